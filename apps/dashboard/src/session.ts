/**
 * The API key lives in this tab's sessionStorage only: gone when the tab closes, never in
 * storage that outlives the tab, a cookie or a URL.
 */
const KEY = 'triggers.api_key';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
}
