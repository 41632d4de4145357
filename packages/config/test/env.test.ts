import { describe, expect, test } from '@jest/globals';
import { ConfigError, loadConfig, loadTracingConfig } from '../src/env.js';

const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' };

describe('loadConfig', () => {
  test('applies the documented defaults', () => {
    expect(loadConfig(base)).toEqual({
      databaseUrl: base.DATABASE_URL,
      databaseDirectUrl: base.DATABASE_URL,
      databasePoolMax: 10,
      databaseConnectTimeoutMs: 5_000,
      databaseStatementTimeoutMs: 5_000,
      requestTimeoutMs: 10_000,
      port: 8080,
      host: '0.0.0.0',
      workerConcurrency: 50,
      workerMetricsPort: 9090,
      webhookTimeoutMs: 10_000,
      webhookMaxAttempts: 17,
      webhookRetryBaseSeconds: 5,
      webhookRetryMaxSeconds: 21_600,
      subscriptionDisableAfterHours: 120,
      subscriptionMaxInFlight: 25,
      workerOrgMaxInFlight: 25,
      webhookAllowPrivate: false,
      dedupWindowSeconds: 86_400,
      adminToken: undefined,
      logLevel: 'info',
      migrateOnStart: true,
      jobRetentionHours: 24,
      deadLetterRetentionDays: 30,
      tracing: { enabled: false, endpoint: undefined },
      breakerFailureThreshold: 10,
      breakerCooloffSeconds: 60,
    });
  });

  test('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig(base))).toBe(true);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      ...base,
      DATABASE_POOL_MAX: '20',
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '4000',
      PORT: '3000',
      HOST: '127.0.0.1',
      WORKER_CONCURRENCY: '8',
      WORKER_METRICS_PORT: '9191',
      WEBHOOK_TIMEOUT_MS: '2500',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_RETRY_BASE_SECONDS: '2',
      WEBHOOK_RETRY_MAX_SECONDS: '600',
      SUBSCRIPTION_DISABLE_AFTER_HOURS: '0.5',
      SUBSCRIPTION_MAX_IN_FLIGHT: '4',
      WORKER_ORG_MAX_IN_FLIGHT: '3',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      DEDUP_WINDOW_SECONDS: '3600',
      ADMIN_TOKEN: 'tok',
      LOG_LEVEL: 'debug',
      MIGRATE_ON_START: 'false',
      DATABASE_DIRECT_URL: 'postgresql://u:p@127.0.0.1:5432/db',
      JOB_RETENTION_HOURS: '0.5',
      DEAD_LETTER_RETENTION_DAYS: '7',
      BREAKER_FAILURE_THRESHOLD: '5',
      BREAKER_COOLOFF_SECONDS: '30',
    });
    expect(config).toMatchObject({
      databaseDirectUrl: 'postgresql://u:p@127.0.0.1:5432/db',
      jobRetentionHours: 0.5,
      deadLetterRetentionDays: 7,
      databasePoolMax: 20,
      databaseConnectTimeoutMs: 1500,
      databaseStatementTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      port: 3000,
      host: '127.0.0.1',
      workerConcurrency: 8,
      workerMetricsPort: 9191,
      webhookTimeoutMs: 2500,
      webhookMaxAttempts: 3,
      webhookRetryBaseSeconds: 2,
      webhookRetryMaxSeconds: 600,
      subscriptionDisableAfterHours: 0.5,
      subscriptionMaxInFlight: 4,
      workerOrgMaxInFlight: 3,
      webhookAllowPrivate: true,
      dedupWindowSeconds: 3600,
      adminToken: 'tok',
      logLevel: 'debug',
      migrateOnStart: false,
      breakerFailureThreshold: 5,
      breakerCooloffSeconds: 30,
    });
  });

  test('a missing DATABASE_URL stops with its name', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/^DATABASE_URL /);
  });

  test.each([
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['DATABASE_POOL_MAX', '1'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '50'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '5s'],
    ['REQUEST_TIMEOUT_MS', '99'],
    ['WORKER_CONCURRENCY', '0'],
    ['WORKER_METRICS_PORT', '9.5'],
    ['WEBHOOK_TIMEOUT_MS', 'soon'],
    ['WEBHOOK_MAX_ATTEMPTS', '0'],
    ['WEBHOOK_RETRY_BASE_SECONDS', 'NaN'],
    ['WEBHOOK_RETRY_MAX_SECONDS', '0'],
    ['SUBSCRIPTION_DISABLE_AFTER_HOURS', '-1'],
    ['SUBSCRIPTION_MAX_IN_FLIGHT', '0'],
    ['WORKER_ORG_MAX_IN_FLIGHT', 'half'],
    ['WEBHOOK_ALLOW_PRIVATE', 'maybe'],
    ['DEDUP_WINDOW_SECONDS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['MIGRATE_ON_START', 'sometimes'],
    ['DATABASE_DIRECT_URL', 'pgbouncer:6432'],
    ['DATABASE_DIRECT_URL', 'mysql://x@y/z'],
    ['JOB_RETENTION_HOURS', '0'],
    ['JOB_RETENTION_HOURS', 'a day'],
    ['DEAD_LETTER_RETENTION_DAYS', '-1'],
    ['BREAKER_FAILURE_THRESHOLD', '0'],
    ['BREAKER_COOLOFF_SECONDS', '3601'],
    ['BREAKER_COOLOFF_SECONDS', 'a minute'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'not a url'],
    ['OTEL_SDK_DISABLED', 'perhaps'],
  ])('a malformed %s (%j) stops with its name', (name, value) => {
    const load = () => loadConfig({ ...base, [name]: value });
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      expect((error as ConfigError).variable).toBe(name);
      expect((error as Error).message.startsWith(`${name} `)).toBe(true);
    }
  });
});

describe('loadTracingConfig', () => {
  test('tracing is off when no OTLP endpoint is set', () => {
    expect(loadTracingConfig({})).toEqual({ enabled: false, endpoint: undefined });
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toEqual({ enabled: false, endpoint: undefined });
  });

  test('an OTLP endpoint turns tracing on; the traces endpoint wins over the general one', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      enabled: true,
      endpoint: 'http://collector:4318',
    });
    expect(
      loadTracingConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/v1/traces',
      }),
    ).toEqual({ enabled: true, endpoint: 'https://traces.example/v1/traces' });
  });

  test('OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keeps tracing off despite an endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(loadTracingConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }).enabled).toBe(true);
  });

  test('is part of the config', () => {
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing).toEqual({
      enabled: true,
      endpoint: 'http://127.0.0.1:4318',
    });
  });
});
