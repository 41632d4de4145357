export { loadConfigOrExit } from './config-or-exit.js';
export { listen, listenOrExit } from './listen.js';
export { onShutdownSignal, SHUTDOWN_TIMEOUT_MS } from './shutdown.js';
