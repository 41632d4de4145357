export { type Config, ConfigError, type LogLevel, loadConfig } from './env.js';
export { VERSION } from './version.js';
