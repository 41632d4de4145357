import module from 'node:module';
import { ConfigError, loadTracingConfig } from '@triggers/config';
import { setShutdown } from './state.js';

/**
 * The packages the ESM loader hook intercepts: the instrumented ones. `http`/`https` are not among
 * them: the HTTP instrumentation patches the builtins' own exports (below), which ESM imports of
 * `node:http` share; intercepting them too would wrap every request twice (two client spans).
 */
const INTERCEPTED = ['express', 'pg', 'pg-pool'];

/**
 * Starts OpenTelemetry for one app: called by the app's preload (`node --import
 * ./apps/<app>/dist/tracing.js`), before any module it instruments is loaded. With no OTLP
 * endpoint set it does nothing at all: no hook, no SDK loaded, every span a no-op of the API.
 * Otherwise it registers the ESM loader hook (import-in-the-middle: in-thread
 * `module.registerHooks` where Node supports it, else `module.register` on the loader thread),
 * then starts the Node SDK with the HTTP, Express and pg instrumentations, exporting OTLP over
 * HTTP as the standard OTEL_* variables say. Metrics and logs stay where they are (Prometheus,
 * stdout) unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER ask for OTLP too.
 * A malformed OTEL_* endpoint is left for the app's own config check to report and exit on.
 */
export async function startTracing(serviceName: string): Promise<boolean> {
  let enabled: boolean;
  try {
    enabled = loadTracingConfig(process.env).enabled;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
  if (!enabled) return false;

  const hooks = await registerLoaderHook();
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const [{ NodeSDK }, { HttpInstrumentation }, { ExpressInstrumentation, ExpressLayerType }, { PgInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-express'),
      import('@opentelemetry/instrumentation-pg'),
    ]);
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME, when set, names the service instead (the env detector reads it).
    ...(process.env.OTEL_SERVICE_NAME ? {} : { serviceName }),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would bury the traces that matter.
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics)(\/|\?|$)/.test(req.url ?? ''),
      }),
      // The route's handler, not a span per middleware and router (seven per request, mostly
      // empty: the server span already times the request, and the statements of authentication
      // and rate limiting show as its children).
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      // Statements inside a trace; not the pool's connect spans (a connection taken per statement).
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    ],
  });
  sdk.start();
  await hooks.acknowledged();
  // Patch node:http and node:https now, through require (the instrumentation hooks it), and bring
  // their ESM named exports in line, whatever the app imports first and however.
  const require = module.createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  module.syncBuiltinESMExports();
  setShutdown(() => sdk.shutdown());
  return true;
}

async function registerLoaderHook(): Promise<{ acknowledged(): Promise<void> }> {
  const sync = await import('import-in-the-middle/register-hooks.mjs');
  if (sync.supportsSyncHooks()) {
    sync.register({ include: INTERCEPTED });
    return { acknowledged: async () => {} };
  }
  // Node before 22.22.3: the asynchronous loader, told of each hooked module over a channel.
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  module.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, registerOptions);
  return { acknowledged: waitForAllMessagesAcknowledged };
}
