import type { Command } from '../command.js';
import { eventsGet, eventsTail } from './events.js';
import { keysCreate, keysShow } from './keys.js';
import { listen } from './listen.js';
import { redeliver } from './redeliver.js';
import { replay } from './replay.js';
import { send } from './send.js';
import {
  subscriptionsCreate,
  subscriptionsDelete,
  subscriptionsGet,
  subscriptionsList,
  subscriptionsPause,
  subscriptionsResume,
} from './subscriptions.js';

/** Every command, by its words. */
export const COMMANDS: Record<string, Command> = {
  send,
  'events get': eventsGet,
  'events tail': eventsTail,
  'subscriptions list': subscriptionsList,
  'subscriptions get': subscriptionsGet,
  'subscriptions create': subscriptionsCreate,
  'subscriptions pause': subscriptionsPause,
  'subscriptions resume': subscriptionsResume,
  'subscriptions delete': subscriptionsDelete,
  redeliver,
  replay,
  listen,
  'keys create': keysCreate,
  'keys show': keysShow,
};
