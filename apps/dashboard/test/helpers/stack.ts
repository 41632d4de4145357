import { describe } from '@jest/globals';
import { type AppProcess, chromiumMissing, createTestDatabase, launchChromium, spawnApp } from '@triggers/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { API_MAIN, apiEnv } from '../../../api/test/api-process.js';
import { WORKER_MAIN, workerEnv } from '../../../worker/test/helpers/process.js';

/** Waits in the browser tests: generous, since CI runs the whole suite on two cores; never a fixed sleep. */
export const SHOWS_UP_MS = 15_000;

const missing = chromiumMissing();

/**
 * `describe` where Chromium is installed; elsewhere the block is skipped and says why (so a
 * machine without the browser package runs everything else).
 */
export function describeInBrowser(name: string, fn: () => void): void {
  if (missing) {
    console.warn(`Browser tests skipped: ${missing}`);
    describe.skip(name, fn);
  } else {
    describe(name, fn);
  }
}

/** A real API and worker process on a database of their own, and one headless Chromium. */
export interface Stack {
  databaseUrl: string;
  /** `http://127.0.0.1:<port>` of the API process. */
  apiUrl: string;
  api: AppProcess;
  worker: AppProcess;
  browser: Browser;
  /** Content-Security-Policy violations the pages reported (the tests expect none). */
  cspViolations: string[];
  close(): Promise<void>;
}

/**
 * Both processes get the same settings (each sets the delivery queue's retry policy at start):
 * two attempts a second apart, so a failing receiver's delivery fails for good within seconds;
 * receivers on 127.0.0.1 allowed.
 */
const DEFAULT_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  SIGNUP_RATE_LIMIT_PER_MINUTE: '0',
  WEBHOOK_MAX_ATTEMPTS: '2',
  WEBHOOK_RETRY_BASE_SECONDS: '1',
  LOG_LEVEL: 'info',
};

export async function startStack(overrides: Record<string, string> = {}): Promise<Stack> {
  const env = { ...DEFAULT_ENV, ...overrides };
  const url = await createTestDatabase();
  // Started side by side; if one fails, the others are stopped before the error goes on. A loaded
  // two-core box can take well over 20 s to start a process, hence the minute.
  const api = spawnApp(API_MAIN, apiEnv(url, { MIGRATE_ON_START: 'false', ...env }));
  const worker = spawnApp(WORKER_MAIN, workerEnv(url, env));
  const [listening, working, browser] = await Promise.allSettled([
    api.waitFor((line) => line.message === 'api listening', 60_000),
    worker.waitFor((line) => line.message === 'worker started', 60_000),
    launchChromium(),
  ]);
  const close = async () => {
    await Promise.all([stop(api), stop(worker), browser.status === 'fulfilled' ? browser.value.close() : undefined]);
  };
  if (listening.status === 'rejected' || working.status === 'rejected' || browser.status === 'rejected') {
    await close();
    throw [listening, working, browser].find((r) => r.status === 'rejected')?.reason;
  }
  return {
    databaseUrl: url,
    apiUrl: `http://127.0.0.1:${listening.value.port}`,
    api,
    worker,
    browser: browser.value,
    cspViolations: [],
    close,
  };
}

/** SIGTERM (each app drains and exits within seconds), SIGKILL if it has not after 15 s. */
async function stop(app: AppProcess): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.kill('SIGTERM');
  const timer = setTimeout(() => app.kill('SIGKILL'), 15_000);
  await app.exited;
  clearTimeout(timer);
}

export interface Org {
  id: string;
  key: string;
  name: string;
}

let orgs = 0;

/** Calls the API as a client would (JSON in, JSON out); throws on an unexpected status. */
export async function callApi<T>(
  stack: Stack,
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
  expected = [200, 201, 202, 204],
): Promise<T> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { ...(key && { 'X-API-Key': key }), ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function signUp(stack: Stack, tier = 'enterprise', name = `Browser Org ${++orgs}`): Promise<Org> {
  const body = await callApi<{ organization_id: string; api_key: string }>(stack, null, 'POST', '/api/keys/generate', {
    organization_name: name,
    tier,
  });
  return { id: body.organization_id, key: body.api_key, name };
}

/** A fresh browser context (its own sessionStorage) with a page that reports CSP violations. */
export async function openPage(
  stack: Stack,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await stack.browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(SHOWS_UP_MS);
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) stack.cspViolations.push(message.text());
  });
  return { context, page };
}

/** Opens the dashboard and signs in with the key as a person would: paste, press Sign in. */
export async function signIn(stack: Stack, page: Page, key: string, hash = ''): Promise<void> {
  await page.goto(`${stack.apiUrl}/dashboard${hash}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
