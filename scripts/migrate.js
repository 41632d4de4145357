// `npm run migrate`: applies migrations/ and the queue's schema to DATABASE_URL, then exits.
import { loadConfigOrExit } from '@triggers/runtime';
import { migrate } from './lib/migrate.js';

const config = loadConfigOrExit();
try {
  await migrate(config, (line) => console.log(`migrate: ${line}`));
} catch (error) {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
