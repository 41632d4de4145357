#!/usr/bin/env node
import { run } from './run.js';

// The first Ctrl-C (or SIGTERM) asks the command to stop cleanly; a second one exits at once.
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
}

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  streams: { stdout: process.stdout, stderr: process.stderr },
  signal: controller.signal,
});
