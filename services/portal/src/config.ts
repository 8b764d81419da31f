// The portal's environment, parsed once at start-up (see .env.example).
import { type CommonConfig, ConfigError, commonConfig, commonEnvSchema, env, parseEnv } from '@tixgo/platform';
import { z } from 'zod';

const baseUrl = (fallback: string) =>
  env.string(fallback).pipe(z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }));

const schema = commonEnvSchema.extend({
  PORT: env.port(18443),
  IDENTITY_BASE_URL: baseUrl('http://127.0.0.1:18081'),
  ATTENDANCE_BASE_URL: baseUrl('http://127.0.0.1:18082'),
  TLS_CERT_FILE: env.optionalString(),
  TLS_KEY_FILE: env.optionalString(),
  PORTAL_HTTP: env.boolean(false),
  TRUST_PROXY: env.trustProxy(),
  // Sized for a gate: a person waits at the scanner, so seconds, never undici's 300 s defaults.
  UPSTREAM_TIMEOUT_MS: env.positiveInt(5000).pipe(z.number().max(120_000)),
  UPSTREAM_CONNECT_TIMEOUT_MS: env.positiveInt(2000).pipe(z.number().max(60_000)),
  UPSTREAM_RETRIES: env.nonNegativeInt(2, 10),
  UPSTREAM_RETRY_DELAY_MS: env.positiveInt(50).pipe(z.number().max(10_000)),
  UPSTREAM_RETRY_MAX_DELAY_MS: env.positiveInt(1000).pipe(z.number().max(60_000)),
  UPSTREAM_CONNECTIONS: env.positiveInt(128).pipe(z.number().max(4096)),
  // Same variable as attendance's: the portal must let through what attendance accepts.
  TICKET_IMPORT_MAX_MB: env.positiveInt(16).pipe(z.number().max(256)),
});

/** How the portal reaches one upstream service. */
export interface UpstreamConfig {
  baseUrl: string;
  /** Overall deadline of one call, retries and backoff included. */
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  retryDelayMs: number;
  retryMaxDelayMs: number;
  connections: number;
}

export interface PortalConfig extends CommonConfig {
  /** Plain HTTP (only behind a TLS-terminating proxy); otherwise HTTPS. */
  plainHttp: boolean;
  tls: { certFile: string; keyFile: string } | undefined;
  trustProxy: boolean | string[];
  ticketImportMaxBytes: number;
  identity: UpstreamConfig;
  attendance: UpstreamConfig;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): PortalConfig {
  const raw = parseEnv(schema, source);
  if ((raw.TLS_CERT_FILE === undefined) !== (raw.TLS_KEY_FILE === undefined)) {
    throw new ConfigError('Invalid configuration:\n  TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  if (raw.UPSTREAM_RETRY_MAX_DELAY_MS < raw.UPSTREAM_RETRY_DELAY_MS) {
    throw new ConfigError(
      'Invalid configuration:\n  UPSTREAM_RETRY_MAX_DELAY_MS must not be below UPSTREAM_RETRY_DELAY_MS',
    );
  }
  const upstream = (baseUrl: string): UpstreamConfig => ({
    baseUrl,
    timeoutMs: raw.UPSTREAM_TIMEOUT_MS,
    connectTimeoutMs: Math.min(raw.UPSTREAM_CONNECT_TIMEOUT_MS, raw.UPSTREAM_TIMEOUT_MS),
    retries: raw.UPSTREAM_RETRIES,
    retryDelayMs: raw.UPSTREAM_RETRY_DELAY_MS,
    retryMaxDelayMs: raw.UPSTREAM_RETRY_MAX_DELAY_MS,
    connections: raw.UPSTREAM_CONNECTIONS,
  });
  return {
    ...commonConfig(raw),
    plainHttp: raw.PORTAL_HTTP,
    tls: raw.TLS_CERT_FILE && raw.TLS_KEY_FILE ? { certFile: raw.TLS_CERT_FILE, keyFile: raw.TLS_KEY_FILE } : undefined,
    trustProxy: raw.TRUST_PROXY,
    ticketImportMaxBytes: raw.TICKET_IMPORT_MAX_MB * 1024 * 1024,
    identity: upstream(raw.IDENTITY_BASE_URL),
    attendance: upstream(raw.ATTENDANCE_BASE_URL),
  };
}
