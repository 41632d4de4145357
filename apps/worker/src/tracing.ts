// The worker's preload (`node --import ./apps/worker/dist/tracing.js apps/worker/dist/main.js`):
// starts OpenTelemetry, when an OTLP endpoint is set, before main.js loads what it instruments.
import { startTracing } from '@triggers/telemetry/start';

await startTracing('triggers-worker');
