import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { connect, type DbHandle } from '@triggers/db';
import { createBoss, type PgBoss } from '@triggers/queue';
import { createTestDatabase, testConfig } from '@triggers/testing';
import request from 'supertest';
import { parse } from 'yaml';
import { WorkerMetrics } from '../../worker/src/metrics/worker-metrics.js';
import { startApi, type TestApi } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';

interface Rule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}
const rules = (parse(readFileSync(join(root, RULES), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/** promtool on PATH or where Debian's prometheus package puts it; .ci/run installs it when missing. */
function findPromtool(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'].filter(Boolean)) {
    try {
      accessSync(join(dir, 'promtool'), constants.X_OK);
      return join(dir, 'promtool');
    } catch {}
  }
  return undefined;
}
const PROMTOOL = findPromtool();
if (!PROMTOOL) {
  console.warn(
    `\n!!! SKIPPED: promtool check/test of ${RULES}: no promtool binary (Debian: apt-get install -y prometheus; .ci/run does).\n` +
      '!!! The rules are still parsed and their metric names checked against what the processes export.\n',
  );
}

/** The metric names a PromQL expression reads (label matchers, groupings, ranges and strings removed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1] as string);
  return [...new Set(names.filter((n) => !['and', 'or', 'unless'].includes(n)))];
}

/** Every metric name in a Prometheus text exposition. */
function exported(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

let api: TestApi;
let workerDb: DbHandle;
let boss: PgBoss;

beforeAll(async () => {
  api = await startApi();
  const url = await createTestDatabase();
  workerDb = connect({ connectionString: url, max: 2 });
  boss = createBoss(testConfig(url), { instanceName: 'alert-test', max: 2, extra: { migrate: false, registerInstance: false } });
  boss.on('error', () => {});
  await boss.start();
});

afterAll(async () => {
  await boss.stop({ graceful: false, close: true });
  await workerDb.close();
  await api.close();
});

describe('the Prometheus alerting rules', () => {
  test('cover no worker up, queue age, dead letters, delivery success rate and an unreachable database', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'TriggersNoWorkerUp',
      'TriggersDeliveryQueueAgeGrowing',
      'TriggersDeadLettersGrowing',
      'TriggersDeliverySuccessRateLow',
      'TriggersDatabaseUnreachable',
    ]);
  });

  test('read only metrics the API and the worker export (and Prometheus up)', async () => {
    const apiText = (await request(api.app).get('/metrics').expect(200)).text;
    const workerText = await new WorkerMetrics({ boss, db: workerDb.db, defaultMetrics: false }).registry.metrics();
    const available = new Set([...exported(apiText), ...exported(workerText), 'up']);
    const used = rules.flatMap((r) => metricNames(r.expr));
    expect(used).toEqual(expect.arrayContaining(['up', 'delivery_queue_oldest_ready_seconds', 'database_up']));
    expect(used.filter((name) => !available.has(name))).toEqual([]);
  });

  test('each alert links a runbook section that docs/operations.md has', () => {
    const headings = [...readFileSync(join(root, 'docs/operations.md'), 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) =>
      (m[1] as string)
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    );
    for (const rule of rules) {
      const anchor = /^docs\/operations\.md#(.+)$/.exec(rule.annotations?.runbook ?? '')?.[1];
      expect({ alert: rule.alert, anchor: headings.includes(anchor ?? '') ? anchor : `missing: ${anchor}` }).toEqual({
        alert: rule.alert,
        anchor,
      });
    }
  });

  (PROMTOOL ? test : test.skip)('pass promtool check rules, and promtool test rules fires each on its own series', () => {
    for (const args of [
      ['check', 'rules', RULES],
      ['test', 'rules', RULE_TESTS],
    ]) {
      const run = spawnSync(PROMTOOL as string, args, { cwd: root, encoding: 'utf8' });
      expect({ args, status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}` }).toEqual({
        args,
        status: 0,
        output: '',
      });
    }
  });
});
