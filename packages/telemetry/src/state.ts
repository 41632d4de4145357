/** How to flush and stop the SDK, once an app's preload has started it (else nothing to do). */
let stop: (() => Promise<void>) | undefined;

export function setShutdown(fn: () => Promise<void>): void {
  stop = fn;
}

/** Exports the spans still buffered and stops the SDK; a no-op when tracing is off. Call last at shutdown. */
export async function shutdownTracing(): Promise<void> {
  const fn = stop;
  stop = undefined;
  await fn?.();
}
