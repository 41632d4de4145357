/** Hash routes: `#/events?status=failed` → { path: ['events'], query }. The key never enters a URL. */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = hash.split('?', 2);
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

export function navigate(path: string, query: Record<string, string | undefined> = {}): void {
  location.hash = href(path, query);
}

/** Calls `fn` now and then every `ms` while `signal` is live, skipping ticks while the tab is hidden. */
export function every(ms: number, signal: AbortSignal, fn: () => Promise<void>): void {
  const tick = async () => {
    if (signal.aborted) return;
    if (!document.hidden) await fn().catch(() => {});
    if (!signal.aborted) timer = setTimeout(tick, ms);
  };
  let timer = setTimeout(tick, ms);
  signal.addEventListener('abort', () => clearTimeout(timer));
}

/**
 * Polls while `signal` is live: soon after a change, then less and less often while nothing
 * changes (`check` resolves whether something did), so an open page costs few requests. `wake()`
 * makes the next check soon again (after the user did something).
 */
export function poll(signal: AbortSignal, check: () => Promise<boolean>, minMs = 2_000, maxMs = 30_000): { wake(): void } {
  let delay = minMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    if (!signal.aborted) timer = setTimeout(tick, delay);
  };
  const tick = async () => {
    if (signal.aborted) return;
    if (!document.hidden) {
      const changed = await check().catch(() => false);
      delay = changed ? minMs : Math.min(maxMs, Math.round(delay * 1.5));
    }
    schedule();
  };
  signal.addEventListener('abort', () => clearTimeout(timer));
  schedule();
  return {
    wake() {
      delay = minMs;
      schedule();
    },
  };
}
