import type { RequestHandler } from 'express';

interface Work {
  /** Route handlers of the request still running. */
  running: number;
  closed: boolean;
  onDone: (() => void)[];
}

const work = new WeakMap<object, Work>();

function workOf(res: object): Work {
  let w = work.get(res);
  if (!w) {
    w = { running: 0, closed: false, onDone: [] };
    work.set(res, w);
  }
  return w;
}

function settle(w: Work): void {
  if (!w.closed || w.running > 0) return;
  for (const fn of w.onDone.splice(0)) fn();
}

/**
 * `handler`, counted while it runs (until the promise it returns settles), for `whenRequestDone`.
 * A response may be sent before its handler is done (REQUEST_TIMEOUT_MS answers for it, and the
 * handler runs on until its statement ends): what the handler holds is held until then.
 */
export function tracked(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const w = workOf(res);
    w.running++;
    const finish = () => {
      w.running--;
      settle(w);
    };
    let result: unknown;
    try {
      result = handler(req, res, next);
    } catch (error) {
      finish();
      throw error;
    }
    if (result instanceof Promise) result.then(finish, finish);
    else finish();
    return result;
  };
}

/** Calls `fn` once `res` has closed (sent, or its connection gone) and no tracked handler of it is running. */
export function whenRequestDone(
  res: { once(event: 'close', listener: () => void): unknown; destroyed: boolean },
  fn: () => void,
): void {
  const w = workOf(res);
  w.onDone.push(fn);
  if (w.closed) {
    settle(w);
    return;
  }
  res.once('close', () => {
    w.closed = true;
    settle(w);
  });
  if (res.destroyed) {
    w.closed = true;
    settle(w);
  }
}
