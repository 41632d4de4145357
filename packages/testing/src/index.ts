export { type AppProcess, type LogLine, spawnApp } from './app-process.js';
export { CHROMIUM_PATH, chromiumMissing, launchChromium } from './browser.js';
export {
  createEmptyDatabase,
  createTestDatabase,
  databaseUrl,
  dropTemplateDatabase,
  prepareTemplateDatabase,
  serverUrl,
  templateDatabase,
  testConfig,
} from './databases.js';
export { decodeOtlpJson, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
