export { type Config, ConfigError, type LogLevel, loadConfig, loadTracingConfig, type TracingConfig } from './env.js';
export { VERSION } from './version.js';
