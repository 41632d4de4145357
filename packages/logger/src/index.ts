import winston from 'winston';

export type Logger = winston.Logger;

/** Keys whose values never reach a log line, whatever their nesting. */
const SECRET_KEYS = new Set([
  'api_key',
  'apikey',
  'x-api-key',
  'authorization',
  'webhook_secret',
  'secret',
  'payload',
  'password',
]);

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.has(key.toLowerCase())) info[key] = '[redacted]';
  }
  return info;
});

/** One JSON object per line on stdout, with a timestamp and the service name. */
export function createLogger(options: { level?: string; service: string; silent?: boolean }): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      redact(),
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
