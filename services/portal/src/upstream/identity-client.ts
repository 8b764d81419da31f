// The portal's client of the identity service: register, login, me, refresh, logout, users.
import type { UpstreamConfig } from '../config.js';
import { type Caller, callerHeaders, JSON_TYPE } from './caller.js';
import { createUpstreamClient, type UpstreamMethod, type UpstreamResponse } from './upstream-client.js';

export interface IdentityClient {
  /** Sends `body` (already validated) to an identity path as JSON, with the caller's token when there is one. */
  call(caller: Caller, method: UpstreamMethod, path: string, body?: unknown): Promise<UpstreamResponse>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createIdentityClient(
  config: UpstreamConfig,
  log: { warn(obj: object, msg?: string): void },
): IdentityClient {
  const upstream = createUpstreamClient('Identity', config, log);
  return {
    // Login, register, refresh and logout are POSTs without an idempotency key: never retried,
    // since a replayed refresh would trip identity's token-reuse detection and revoke the session.
    call: (caller, method, path, body) =>
      upstream.send({
        method,
        path,
        token: caller.token,
        headers: callerHeaders(caller),
        body: body === undefined ? undefined : JSON.stringify(body),
        contentType: body === undefined ? undefined : JSON_TYPE,
      }),
    ping: () => upstream.ping(),
    close: () => upstream.close(),
  };
}
