export { loadConfigOrExit } from './config-or-exit.js';
export { listen, listenOrExit } from './listen.js';
export { type MigrationReport, migrateDatabase } from './migrate-database.js';
export { onShutdownSignal, SHUTDOWN_TIMEOUT_MS } from './shutdown.js';
