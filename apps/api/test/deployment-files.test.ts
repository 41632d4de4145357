import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { MIGRATIONS_DIR } from '@triggers/db';
import { parse } from 'yaml';
import { appEnv } from '../../../scripts/lib/app-command.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** A Dockerfile's stages and their instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: match?.[1] ?? '', name: match?.[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const one = (stage: Stage, keyword: string) => {
  const found = all(stage, keyword);
  expect(found).toHaveLength(1);
  return found[0] as string;
};

/** `${NAME:-default}` as Compose resolves it with nothing set in the environment. */
const interpolate = (value: unknown) => String(value).replace(/\$\{\w+:-([^}]*)\}/g, '$1');

/** Every variable packages/config reads, from its source. */
function configVariables(): string[] {
  const source = read('packages/config/src/env.ts');
  return [...new Set([...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] as string))].sort();
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  environment?: Record<string, unknown>;
  ports?: string[];
  expose?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  container_name?: string;
  stop_grace_period?: string;
  profiles?: string[];
  command?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const rootScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

const APPS = [
  { app: 'api', dockerfile: 'Dockerfile.api', port: 8080, portVariable: 'PORT', healthPath: '/health' },
  { app: 'worker', dockerfile: 'Dockerfile.worker', port: 9090, portVariable: 'WORKER_METRICS_PORT', healthPath: '/health' },
] as const;

describe.each(APPS)('$dockerfile', ({ app, dockerfile, port, portVariable, healthPath }) => {
  const stages = parseDockerfile(read(dockerfile));
  const runtime = stages.at(-1) as Stage;
  const deps = stages.find((s) => s.name === 'deps') as Stage;
  const build = stages.find((s) => s.name === 'build') as Stage;

  test('is multi-stage on Node 22 slim, ending in the runtime stage compose builds', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of stages) expect(stage.from).toMatch(/^node:22-[a-z]+-slim$/);
    expect(runtime.name).toBe('runtime');
    expect(compose.services[app]?.build).toEqual({ context: '.', dockerfile, target: 'runtime' });
  });

  test("compiles the app with tsc -b and installs only its workspace's production dependencies", () => {
    expect(all(build, 'RUN').join('\n')).toContain(`tsc -b apps/${app}`);
    expect(all(deps, 'RUN').join('\n')).toMatch(new RegExp(`npm ci --omit=dev -w apps/${app} --include-workspace-root=false`));
    // The runtime stage installs nothing itself: it copies the production tree and the compiled code.
    expect(all(runtime, 'RUN')).toEqual([]);
    expect(all(runtime, 'COPY')).toEqual(expect.arrayContaining(['--from=deps /app ./', '--from=build /out ./']));
  });

  test('puts migrations/ where packages/db/dist/migrate.js looks for them', () => {
    const workdir = one(runtime, 'WORKDIR');
    const copy = all(runtime, 'COPY').find((args) => args.startsWith('migrations '));
    expect(copy).toBeDefined();
    const target = posix.resolve(workdir, (copy as string).split(/\s+/)[1] as string);
    // MIGRATIONS_DIR is computed from packages/db/{src,dist}; the same relative step from the image's dist.
    const relative = posix.relative(`${root}packages/db/src`, MIGRATIONS_DIR);
    expect(posix.resolve(workdir, 'packages/db/dist', relative)).toBe(target);
  });

  test('runs as a non-root user, exposes its port and has a HEALTHCHECK that uses node', () => {
    expect(one(runtime, 'USER')).toMatch(/^(node|[1-9]\d*)$/);
    expect(one(runtime, 'EXPOSE')).toBe(String(port));
    const healthcheck = one(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \["node", "-e", /);
    expect(healthcheck).toContain(`process.env.${portVariable} || ${port}`);
    expect(healthcheck).toContain(`${healthPath}')`);
  });

  test('starts node directly in exec form, on the same entry as npm run start:<app>', () => {
    const cmd = JSON.parse(one(runtime, 'CMD')) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe(`apps/${app}/dist/main.js`);
    expect(rootScripts[`start:${app}`]).toBe(cmd.join(' '));
    // The environment npm start and the benchmarks give the app (scripts/lib/app-command.js).
    for (const [name, value] of Object.entries(appEnv(app))) expect(all(runtime, 'ENV').join('\n')).toContain(`${name}=${value}`);
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
  });
});

test('Dockerfile.api has what argon2 needs to build when no prebuilt binary matches', () => {
  const deps = parseDockerfile(read('Dockerfile.api')).find((s) => s.name === 'deps') as Stage;
  const run = all(deps, 'RUN').join('\n');
  for (const tool of ['python3', 'make', 'g++']) expect(run).toContain(` ${tool}`);
  expect(run).toContain("require('argon2')");
});

describe('docker-compose.yml', () => {
  const { postgres, api, worker } = compose.services as Record<string, ComposeService>;
  const env = (service: ComposeService | undefined) =>
    Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));

  test('Postgres keeps its data in a named volume and has a healthcheck the apps wait for', () => {
    expect(postgres?.image).toMatch(/^postgres:\d+/);
    const [volume] = postgres?.volumes ?? [];
    expect(Object.keys(compose.volumes)).toContain(volume?.split(':')[0]);
    expect(postgres?.healthcheck?.test.join(' ')).toContain('pg_isready');
    for (const service of [api, worker]) expect(service?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  test('both apps reach that Postgres through DATABASE_URL', () => {
    const pg = env(postgres);
    for (const service of [api, worker]) {
      const url = new URL(env(service).DATABASE_URL as string);
      expect(url.hostname).toBe('postgres');
      expect(url.username).toBe(pg.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    }
  });

  test('the API publishes PORT 8080; the worker publishes nothing and has no fixed name, so it scales', () => {
    expect(env(api).PORT).toBe('8080');
    expect(api?.ports?.map(interpolate)).toEqual(['8080:8080']);
    expect(worker?.ports).toBeUndefined();
    expect(worker?.container_name).toBeUndefined();
    expect(env(worker).WORKER_METRICS_PORT).toBe('9090');
    expect(worker?.expose).toEqual(['9090']);
  });

  test('the apps get at least the 30 s the contract gives them to drain on SIGTERM', () => {
    for (const service of [api, worker])
      expect(Number.parseInt(service?.stop_grace_period ?? '10', 10)).toBeGreaterThanOrEqual(30);
  });

  test('every setting the config reads can be set through compose', () => {
    const set = new Set([...Object.keys(env(api)), ...Object.keys(env(worker))]);
    expect(configVariables().filter((name) => !set.has(name))).toEqual([]);
  });

  test('the tracing profile is opt-in: a collector whose config exists, forwarding to Jaeger, whose UI is published', () => {
    const collector = compose.services['otel-collector'] as ComposeService;
    const jaeger = compose.services.jaeger as ComposeService;
    expect(collector.profiles).toEqual(['tracing']);
    expect(jaeger.profiles).toEqual(['tracing']);
    const [mount] = collector.volumes ?? [];
    const config = read((mount as string).split(':')[0]?.replace(/^\.\//, '') as string);
    expect(config).toContain('endpoint: jaeger:4317');
    expect(config).toContain('endpoint: 0.0.0.0:4318');
    expect(jaeger.ports?.map(interpolate)).toEqual(['16686:16686']);
    // Off by default: no endpoint unless the shell sets one.
    for (const service of [api, worker]) expect(env(service).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('');
  });

  test('the sample receiver is opt-in (demo profile) and mounts a script that exists', () => {
    const receiver = compose.services.receiver as ComposeService;
    expect(receiver.profiles).toEqual(['demo']);
    const [mount] = receiver.volumes ?? [];
    expect(() => read((mount as string).split(':')[0]?.replace(/^\.\//, '') as string)).not.toThrow();
  });
});

describe('documentation of the settings', () => {
  test('the config reads the variables the contract names (and this list is not empty by accident)', () => {
    expect(configVariables()).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'PORT',
        'HOST',
        'WORKER_CONCURRENCY',
        'WORKER_METRICS_PORT',
        'ADMIN_TOKEN',
        'LOG_LEVEL',
      ]),
    );
  });

  test.each(['README.md', 'docs/operations.md'])('%s has a table row for every variable the config reads', (file) => {
    const text = read(file);
    const missing = configVariables().filter((name) => !new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm').test(text));
    expect(missing).toEqual([]);
  });

  test('the README gives the test command exactly as CI runs it', () => {
    expect(read('.ci/run')).toMatch(/^npm test$/m);
    expect(read('README.md')).toContain('npm test');
  });
});
