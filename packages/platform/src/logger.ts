// pino options shared by every service: structured, quiet about secrets.
import type { LoggerOptions } from 'pino';

/** Paths pino blanks out wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  '*.password',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'token',
  '*.token',
  'JWT_SECRET',
  '*.JWT_SECRET',
  'JWT_SECRET_PREVIOUS',
  '*.JWT_SECRET_PREVIOUS',
  'METRICS_TOKEN',
  '*.METRICS_TOKEN',
];

export function loggerOptions(level: string, serviceName: string): LoggerOptions {
  return {
    level,
    base: { service: serviceName },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}
