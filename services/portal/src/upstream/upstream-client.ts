// One pooled keep-alive HTTP client per upstream service: timeouts, deadline, retries, error mapping.
import { httpError } from '@tixgo/platform';
import { type Dispatcher, interceptors, Pool } from 'undici';
import type { UpstreamConfig } from '../config.js';

type HttpError = ReturnType<typeof httpError>;

export type UpstreamMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface UpstreamRequest {
  method: UpstreamMethod;
  /** Path and query string, e.g. `/attendance/e1?limit=10`. */
  path: string;
  /** The caller's own access token, forwarded as a Bearer header (the portal never mints tokens). */
  token?: string | undefined;
  body?: string | undefined;
  contentType?: string | undefined;
  /**
   * Makes a POST safe to retry: the upstream answers a repeated key with the first answer,
   * so a retry after a lost response can never count twice. Without a key a POST is never retried.
   */
  idempotencyKey?: string | undefined;
  /** Extra headers (request id, forwarded client address). */
  headers?: Record<string, string> | undefined;
}

export interface UpstreamResponse {
  status: number;
  /** The upstream's content type, for passing its body through unchanged. */
  contentType: string | undefined;
  /** Headers worth passing through to the client (Retry-After). */
  retryAfter: string | undefined;
  body: string;
}

export interface UpstreamClient {
  /** Sends one request. Answers < 500 are returned; a failed or 5xx upstream throws a 502, a late one a 504. */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Resolves when the upstream's /health answers 200 (for /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Connection failures that mean "the request never got an answer": safe to retry for idempotent
// requests (and for a POST carrying an Idempotency-Key). Timeouts of a request already sent are not
// here on purpose: a stalled upstream is answered 504 at the deadline instead of being loaded twice.
const RETRYABLE_ERROR_CODES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
];
const RETRYABLE_STATUS_CODES = [502, 503, 504];
const IDEMPOTENT_METHODS: Dispatcher.HttpMethod[] = ['GET', 'HEAD'];
const DEADLINE_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type RetryCallback = NonNullable<interceptors.RetryInterceptorOpts['retry']>;

/**
 * undici's retry interceptor decides *whether* a request may be retried from these options; this
 * callback replaces only its default *wait*, which has no jitter (gates retrying in lockstep would
 * hit a recovering attendance together) and does not stop waiting when the request's deadline passes.
 */
function jitteredBackoff(minDelayMs: number, maxDelayMs: number): RetryCallback {
  return (error, { state, opts }, next) => {
    const retryOptions = opts.retryOptions ?? {};
    const { statusCode, code } = error as Error & { statusCode?: number; code?: string };
    const eligible =
      state.counter <= (retryOptions.maxRetries ?? 0) &&
      (retryOptions.methods ?? IDEMPOTENT_METHODS).includes(opts.method) &&
      (code === undefined || code === 'UND_ERR_REQ_RETRY' || (retryOptions.errorCodes ?? []).includes(code)) &&
      (statusCode === undefined || (retryOptions.statusCodes ?? []).includes(statusCode));
    // The request API hands its options, signal included, down to the dispatch.
    const signal = (opts as { signal?: AbortSignal }).signal;
    if (!eligible || signal?.aborted) {
      next(signal?.aborted ? (signal.reason as Error) : error);
      return;
    }
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** (state.counter - 1));
    // "Equal jitter": at least half the exponential delay, so retries still back off.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    const onAbort = () => {
      clearTimeout(timer);
      next(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      next(null);
    }, delay);
    signal?.addEventListener('abort', onAbort, { once: true });
  };
}

function isDeadline(error: unknown): boolean {
  const { name, code } = error as { name?: string; code?: string };
  return name === 'TimeoutError' || (code !== undefined && DEADLINE_CODES.has(code));
}

/**
 * Creates the client of one upstream. `label` names it in the client-facing errors
 * ("Attendance service unavailable").
 */
export function createUpstreamClient(
  label: string,
  config: UpstreamConfig,
  log: { warn(obj: object, msg?: string): void },
): UpstreamClient {
  const base = new URL(config.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: config.connections,
    connect: { timeout: config.connectTimeoutMs },
    // The overall deadline (below) is what normally ends a slow request; these are the backstop
    // so that no socket ever waits undici's 300 s defaults.
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
  const dispatcher: Dispatcher = pool.compose(
    interceptors.retry({
      maxRetries: config.retries,
      methods: IDEMPOTENT_METHODS,
      statusCodes: RETRYABLE_STATUS_CODES,
      errorCodes: RETRYABLE_ERROR_CODES,
      retry: jitteredBackoff(config.retryDelayMs, config.retryMaxDelayMs),
    }),
  );

  const unavailable = (): HttpError => httpError(502, `${label} service unavailable`);
  const timedOut = (): HttpError => httpError(504, `${label} service timed out`);

  const failure = (error: unknown, request: UpstreamRequest): HttpError => {
    const late = isDeadline(error);
    const { code, statusCode } = error as { code?: string; statusCode?: number };
    log.warn(
      { upstream: label, method: request.method, path: request.path, code, upstreamStatus: statusCode },
      late ? 'upstream timed out' : 'upstream unavailable',
    );
    return late ? timedOut() : unavailable();
  };

  async function send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    const options: Dispatcher.RequestOptions & { retryOptions?: interceptors.RetryInterceptorOpts } = {
      method: request.method,
      path: prefix + request.path,
      headers,
      body: request.body,
      // One deadline for the whole call: every attempt, every backoff wait and the body.
      signal: AbortSignal.timeout(config.timeoutMs),
    };
    if (request.method === 'POST' && request.idempotencyKey !== undefined) {
      options.retryOptions = { methods: ['POST'] };
    }
    try {
      const response = await dispatcher.request(options);
      const body = await response.body.text();
      // A 5xx that survived the retries is the upstream failing, not an answer for the client.
      if (response.statusCode >= 500)
        throw Object.assign(new Error('upstream error'), { statusCode: response.statusCode });
      const contentType = response.headers['content-type'];
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
        body,
      };
    } catch (error) {
      throw failure(error, request);
    }
  }

  return {
    send,
    async ping() {
      const response = await dispatcher.request({
        method: 'GET',
        path: `${prefix}/health`,
        signal: AbortSignal.timeout(Math.min(config.timeoutMs, 2000)),
        retryOptions: { maxRetries: 0 },
      } as Dispatcher.RequestOptions);
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode}`);
    },
    async close() {
      await pool.close();
    },
  };
}
