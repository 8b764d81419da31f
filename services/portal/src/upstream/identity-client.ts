// The portal's client of the identity service: register, login, me, refresh, logout, users.
import type { ReadinessCheck, ReplicaChecks } from '@tixgo/platform';
import type { UpstreamConfig } from '../config.js';
import {
  createUpstreamClient,
  type UpstreamLog,
  type UpstreamRequest,
  type UpstreamResponse,
} from './upstream-client.js';
import type { UpstreamMetrics } from './upstream-metrics.js';

export interface IdentityClient {
  /** Sends an /auth request (body already validated) as the route's caller. */
  forward(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** The /ready check of this upstream (each replica's, when there are several). */
  readiness(): ReadinessCheck | ReplicaChecks;
  close(): Promise<void>;
}

export function createIdentityClient(
  config: UpstreamConfig,
  log: UpstreamLog,
  metrics?: UpstreamMetrics,
): IdentityClient {
  const upstream = createUpstreamClient('Identity', config, log, metrics?.of('identity'));
  return {
    // Login, register, refresh and logout are POSTs that are not retry-safe: never retried, since a
    // replayed refresh would trip identity's token-reuse detection and revoke the session.
    forward: (request) => upstream.send(request),
    readiness: () => upstream.readiness(),
    close: () => upstream.close(),
  };
}
