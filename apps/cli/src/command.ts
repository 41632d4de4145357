import { parseArgs } from 'node:util';
import { TriggersClient } from '@triggers/client';
import type { ResolvedConfig } from './config.js';
import { UsageError } from './exit-codes.js';
import type { Output } from './output.js';

/** A command's flags, as node:util parseArgs takes them. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  'api-url': { type: 'string' },
  'api-key': { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  retries: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export interface Context {
  out: Output;
  config: ResolvedConfig;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
  now: () => number;
  /** A client with the configured key (a UsageError when there is none, unless `keyOptional`). */
  client(options?: { keyOptional?: boolean; adminToken?: string }): TriggersClient;
}

export interface Command {
  /** `send <type>`: the words and the positionals, for help. */
  usage: string;
  summary: string;
  /** Lines of help below the usage: each flag and what it does. */
  help: string[];
  options: OptionSpec;
  /** How many positionals after the command words: exactly this many. */
  positionals: number;
  run(
    ctx: Context,
    parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] },
  ): Promise<number | undefined>;
}

/** Types a command's definition (its `run` gets the parsed flags and positionals). */
export function defineCommand(command: Command): Command {
  return command;
}

/** Parses `argv` strictly for `command` (its flags and the global ones), after its `words`. */
export function parseFor(command: Command, words: number, argv: string[]) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const positionals = parsed.positionals.slice(words);
  if (!parsed.values.help && positionals.length !== command.positionals) {
    throw new UsageError(`usage: triggers ${command.usage}`);
  }
  return { values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals };
}

export function clientFor(
  config: ResolvedConfig,
  out: Output,
  options: { keyOptional?: boolean; adminToken?: string; retries?: number } = {},
): TriggersClient {
  if (!config.apiKey && !options.keyOptional) {
    throw new UsageError('no API key: pass --api-key, set TRIGGERS_API_KEY, or save one with triggers keys create --save');
  }
  return new TriggersClient({
    baseUrl: config.apiUrl,
    apiKey: config.apiKey,
    adminToken: options.adminToken,
    ...(options.retries === undefined ? {} : { retry: { maxRetries: options.retries } }),
    userAgent: `triggers-cli/${CLI_VERSION}`,
    onRetry: (info) => {
      const seconds = Math.ceil(info.delayMs / 1000);
      out.progress(`${info.method} ${info.path}: ${info.reason}, retrying in ${seconds} s (attempt ${info.attempt})`);
    },
  });
}

export const CLI_VERSION = '1.0.0';

/** A required string flag's value, or a UsageError naming it. */
export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A positive integer flag (or its default). */
export function integer(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = values[name];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return n;
}
