// The API's preload (`node --import ./apps/api/dist/tracing.js apps/api/dist/main.js`): starts
// OpenTelemetry, when an OTLP endpoint is set, before main.js loads what it instruments.
import { startTracing } from '@triggers/telemetry/start';

await startTracing('triggers-api');
