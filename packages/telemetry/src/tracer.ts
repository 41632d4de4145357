import { trace } from '@opentelemetry/api';
import { VERSION } from '@triggers/config';

/** The tracer of our own spans (ingest, fan-out, delivery attempts): a no-op until an app's preload starts the SDK. */
export const tracer = trace.getTracer('triggers', VERSION);
