/**
 * The environment, parsed once at start into a frozen, typed config.
 * A missing or malformed variable throws a ConfigError naming it; `main.ts`
 * prints that one line and exits.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

export interface Config {
  readonly databaseUrl: string;
  /** A direct (unpooled) connection for what needs a session: LISTEN, migrations, the worker's pg-boss. */
  readonly databaseDirectUrl: string;
  readonly databasePoolMax: number;
  /** Longest wait for a database connection (a new one, or a free one from the pool). */
  readonly databaseConnectTimeoutMs: number;
  /** The API's sessions: statement_timeout and lock_timeout. */
  readonly databaseStatementTimeoutMs: number;
  /** Longest an API request waits, once its body is in, before it is answered 503. */
  readonly requestTimeoutMs: number;
  readonly port: number;
  readonly host: string;
  readonly workerConcurrency: number;
  readonly workerMetricsPort: number;
  readonly webhookTimeoutMs: number;
  readonly webhookMaxAttempts: number;
  readonly webhookRetryBaseSeconds: number;
  /** The longest backoff between two attempts (a receiver's Retry-After is capped at an hour apart from this). */
  readonly webhookRetryMaxSeconds: number;
  /** A subscription failing with no success for this long is disabled (`failing`). */
  readonly subscriptionDisableAfterHours: number;
  /** Deliveries in flight to one subscription at once, across every worker. */
  readonly subscriptionMaxInFlight: number;
  /** Deliveries one organization may have in flight in one worker (its fair share of WORKER_CONCURRENCY). */
  readonly workerOrgMaxInFlight: number;
  readonly webhookAllowPrivate: boolean;
  readonly dedupWindowSeconds: number;
  readonly adminToken: string | undefined;
  readonly logLevel: LogLevel;
  readonly migrateOnStart: boolean;
  /** How long finished (completed or failed) delivery jobs stay in pgboss.job. */
  readonly jobRetentionHours: number;
  /** How long a dead-lettered job stays in the dead-letter queue. */
  readonly deadLetterRetentionDays: number;
  /** OpenTelemetry tracing: on when an OTLP endpoint is set (the SDK reads the other OTEL_* itself). */
  readonly tracing: TracingConfig;
  /** Failed attempts in a row that open a subscription's circuit. */
  readonly breakerFailureThreshold: number;
  /** The first cool-off of an open circuit; it doubles at each failed probe, up to an hour. */
  readonly breakerCooloffSeconds: number;
}

export interface TracingConfig {
  readonly enabled: boolean;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(name, `must be a number, got "${value}"`);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(name, `must be true or false, got "${value}"`);
}

function postgresUrl(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must start with postgres:// or postgresql://, got "${url.protocol}"`);
  }
  return value;
}

function databaseUrl(env: Env): string {
  const value = postgresUrl(env, 'DATABASE_URL');
  if (value === undefined) throw new ConfigError('DATABASE_URL', 'is required (postgres://user:pass@host:5432/db)');
  return value;
}

function logLevel(env: Env): LogLevel {
  const value = raw(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

function otlpEndpoint(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a valid URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must start with http:// or https:// (OTLP over HTTP), got "${url.protocol}"`);
  }
  return value;
}

/**
 * Whether to start the OpenTelemetry SDK: only when an OTLP endpoint is set, and neither
 * OTEL_SDK_DISABLED nor OTEL_TRACES_EXPORTER=none says otherwise. Read on its own by each app's
 * preload (before anything else loads), and as part of the config.
 */
export function loadTracingConfig(env: Env = process.env): TracingConfig {
  const endpoint = otlpEndpoint(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? otlpEndpoint(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const disabled = boolean(env, 'OTEL_SDK_DISABLED', false) || raw(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase() === 'none';
  return Object.freeze({ enabled: endpoint !== undefined && !disabled, endpoint });
}

export function loadConfig(env: Env = process.env): Config {
  const url = databaseUrl(env);
  const workerConcurrency = integer(env, 'WORKER_CONCURRENCY', 50, 1, 1000);
  return Object.freeze({
    databaseUrl: url,
    databaseDirectUrl: postgresUrl(env, 'DATABASE_DIRECT_URL') ?? url,
    databasePoolMax: integer(env, 'DATABASE_POOL_MAX', 10, 2, 1000),
    databaseConnectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 60_000),
    databaseStatementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: raw(env, 'HOST') ?? '0.0.0.0',
    workerConcurrency,
    workerMetricsPort: integer(env, 'WORKER_METRICS_PORT', 9090, 0, 65535),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
    webhookMaxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 17, 1, 100),
    webhookRetryBaseSeconds: number(env, 'WEBHOOK_RETRY_BASE_SECONDS', 5, 1, 3600),
    webhookRetryMaxSeconds: integer(env, 'WEBHOOK_RETRY_MAX_SECONDS', 21_600, 1, 604_800),
    subscriptionDisableAfterHours: number(env, 'SUBSCRIPTION_DISABLE_AFTER_HOURS', 120, 0.001, 8760),
    subscriptionMaxInFlight: integer(env, 'SUBSCRIPTION_MAX_IN_FLIGHT', 25, 1, 1000),
    workerOrgMaxInFlight: integer(env, 'WORKER_ORG_MAX_IN_FLIGHT', Math.max(1, Math.ceil(workerConcurrency / 2)), 1, 1000),
    webhookAllowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    dedupWindowSeconds: integer(env, 'DEDUP_WINDOW_SECONDS', 86_400, 1, 31_536_000),
    adminToken: raw(env, 'ADMIN_TOKEN'),
    logLevel: logLevel(env),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    jobRetentionHours: number(env, 'JOB_RETENTION_HOURS', 24, 0.001, 8760),
    deadLetterRetentionDays: number(env, 'DEAD_LETTER_RETENTION_DAYS', 30, 0.0001, 3650),
    tracing: loadTracingConfig(env),
    breakerFailureThreshold: integer(env, 'BREAKER_FAILURE_THRESHOLD', 10, 1, 1000),
    breakerCooloffSeconds: integer(env, 'BREAKER_COOLOFF_SECONDS', 60, 1, 3600),
  });
}
