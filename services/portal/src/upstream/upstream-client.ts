// One pooled keep-alive HTTP client per upstream service, balanced over its replicas: timeouts, deadline, retries, error mapping.

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { httpError, type ReadinessCheck, type ReplicaChecks } from '@tixgo/platform';
import { BalancedPool, type Dispatcher, interceptors } from 'undici';
import type { UpstreamConfig } from '../config.js';
import { JSON_TYPE } from '../media-type.js';
import type { Caller } from './caller.js';
import { UNCOUNTED, type UpstreamCounters } from './upstream-metrics.js';

type HttpError = ReturnType<typeof httpError>;

export type UpstreamMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request body (a stream: an upload forwarded as it arrives, never retried) and its content type. */
export interface UpstreamBody {
  body: string | Readable;
  contentType: string;
}

export function jsonBody(value: unknown): UpstreamBody {
  return { body: JSON.stringify(value), contentType: JSON_TYPE };
}

/** Where the upstream clients report failures (the app's logger). */
export interface UpstreamLog {
  warn(obj: object, msg?: string): void;
}

export interface UpstreamRequest {
  method: UpstreamMethod;
  /** Path and query string, e.g. `/attendance/e1?limit=10`. */
  path: string;
  /**
   * Who the request is made for: their own access token goes as a Bearer header (the portal never
   * mints tokens), with the request id and the client's address. None on a check-in batch: each
   * of its items carries its gate's token.
   */
  caller?: Caller | undefined;
  body?: string | Readable | undefined;
  contentType?: string | undefined;
  /**
   * Makes a POST safe to retry: every effect of the request is keyed (each item of a check-in
   * batch carries its own idempotency key), so a retry after a lost answer can never count twice.
   * Any other POST is never retried.
   */
  isRetrySafe?: boolean | undefined;
  /** Deadline of this call when it is shorter than the configured one (a check-in that already waited). */
  timeoutMs?: number | undefined;
  /** The request ids of the items a check-in batch carries, for the log line of a failure (no caller then). */
  requestIds?: (string | undefined)[] | undefined;
}

export interface UpstreamResponse {
  status: number;
  /** The upstream's content type, for passing its body through unchanged. */
  contentType: string | undefined;
  /** Headers worth passing through to the client (Retry-After). */
  retryAfter: string | undefined;
  body: string;
}

/** An upstream answer whose body is read as it arrives (a list of any length, a CSV export). */
export interface UpstreamStream {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  contentDisposition: string | undefined;
  body: Readable;
}

export interface UpstreamClient {
  /** Sends one request. Answers < 500 are returned; a failed or 5xx upstream throws a 502, a late one a 504. */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /**
   * Sends a GET and resolves when the answer's headers arrive, with its body as a stream (read with
   * backpressure: the upstream is read as fast as the reader takes it). Retries and errors as
   * send(); the deadline covers the wait for the headers, then the pool's body timeout applies.
   * The caller must read or destroy the body.
   */
  stream(request: UpstreamRequest & { accept?: string }): Promise<UpstreamStream>;
  /**
   * The /ready check: the upstream's /health answers 200. With several replicas, one check per
   * replica (by URL), each asking that replica itself, never the balancer.
   */
  readiness(): ReadinessCheck | ReplicaChecks;
  close(): Promise<void>;
}

// Connection failures that mean "the request never got an answer": safe to retry for idempotent
// requests and a retry-safe POST. Timeouts of a request already sent are not here on purpose: a
// stalled upstream is answered 504 at the deadline instead of being loaded twice.
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

/** The call's overall deadline passed (every attempt, backoff wait and body included). */
export class UpstreamDeadlineError extends Error {
  override name = 'UpstreamDeadlineError';
  readonly code = 'TIXGO_UPSTREAM_DEADLINE';
}

/**
 * undici's retry interceptor decides *whether* a request may be retried from the options below; this
 * callback replaces only its default *wait*, which has no jitter (gates retrying in lockstep would hit
 * a recovering attendance together) and knows nothing of the call's deadline: a retry that could not
 * start before the deadline is not attempted, and the client gets the error that caused it.
 */
function jitteredBackoff(
  minDelayMs: number,
  maxDelayMs: number,
  deadlineAt: number,
  onRetry: () => void,
): RetryCallback {
  return (error, { state, opts }, next) => {
    const retryOptions = opts.retryOptions ?? {};
    const { statusCode, code } = error as Error & { statusCode?: number; code?: string };
    const eligible =
      state.counter <= (retryOptions.maxRetries ?? 0) &&
      (retryOptions.methods ?? IDEMPOTENT_METHODS).includes(opts.method) &&
      (code === undefined || code === 'UND_ERR_REQ_RETRY' || (retryOptions.errorCodes ?? []).includes(code)) &&
      (statusCode === undefined || (retryOptions.statusCodes ?? []).includes(statusCode));
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** (state.counter - 1));
    // "Equal jitter": at least half the exponential delay, so retries still back off.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    if (!eligible || Date.now() + delay >= deadlineAt) {
      next(error);
      return;
    }
    onRetry();
    setTimeout(() => next(null), delay);
  };
}

/**
 * Collects one upstream answer and enforces the call's deadline.
 *
 * Hand-written rather than undici's `request()` with `AbortSignal.timeout()`: measured against a
 * trivial upstream on this machine, that pair cost ~90-170 µs of CPU per call, this ~50 µs — a third
 * of the portal's whole budget per check-in. A plain timer aborts the attempt in flight through the
 * controller (the retry interceptor's controller follows the current attempt).
 */
class UpstreamCall implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private expired = false;
  private readonly timer: NodeJS.Timeout;
  private status = 0;
  private contentType: string | undefined;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];

  constructor(
    timeoutMs: number,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller?.abort(new UpstreamDeadlineError('upstream deadline passed'));
    }, timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // A retry that starts just as the deadline passes is stopped at once.
    if (this.expired) controller.abort(new UpstreamDeadlineError('upstream deadline passed'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    const contentType = headers['content-type'];
    const retryAfter = headers['retry-after'];
    this.contentType = typeof contentType === 'string' ? contentType : undefined;
    this.retryAfter = typeof retryAfter === 'string' ? retryAfter : undefined;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    clearTimeout(this.timer);
    const body =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer).toString() : Buffer.concat(this.chunks).toString();
    this.resolve({ status: this.status, contentType: this.contentType, retryAfter: this.retryAfter, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    clearTimeout(this.timer);
    this.reject(error);
  }
}

/** The client's answer when an upstream failed or answered 5xx after the retries (spec: portal, upstream failures). */
export function upstreamUnavailable(label: string): HttpError {
  return httpError(502, `${label} service unavailable`);
}

/** The client's answer when an upstream did not answer before the call's deadline. */
export function upstreamTimedOut(label: string): HttpError {
  return httpError(504, `${label} service timed out`);
}

function isClientError(error: unknown): boolean {
  const { statusCode } = error as { statusCode?: unknown };
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

function isDeadline(error: unknown): boolean {
  const { code } = error as { code?: string };
  return error instanceof UpstreamDeadlineError || (code !== undefined && DEADLINE_CODES.has(code));
}

/**
 * Creates the client of one upstream. `label` names it in the client-facing errors
 * ("Attendance service unavailable"); `counters` count its calls for /metrics.
 *
 * Its replicas (config.baseUrls) sit behind undici's BalancedPool: weighted round robin, where
 * every failed connection to a replica lowers its weight (down to 1 in 100) and every new one
 * raises it again. A retry is a new dispatch through the balancer, so it goes to the next replica
 * in turn, not back to the one that just failed (test/upstream/attendance-replicas.test.ts); a
 * replica that comes back is picked again at its low weight at first, and gains weight with each
 * connection it accepts. One replica is the same pool with nobody to balance.
 */
export function createUpstreamClient(
  label: string,
  config: UpstreamConfig,
  log: UpstreamLog,
  counters: UpstreamCounters = UNCOUNTED,
): UpstreamClient {
  const bases = config.baseUrls.map((url) => new URL(url));
  // loadConfig checked that every replica has the same path.
  const prefix = (bases[0] as URL).pathname.replace(/\/+$/, '');
  const origins = bases.map((base) => base.origin);
  const pool = new BalancedPool(origins, {
    connections: config.connections,
    connect: { timeout: config.connectTimeoutMs },
    // The call's overall deadline (UpstreamCall) is what normally ends a slow request; these are
    // the backstop so that no socket ever waits undici's 300 s defaults.
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
      // The wait between attempts (jitteredBackoff) is given per call: it knows the call's deadline.
    }),
  );

  const failure = (error: unknown, request: UpstreamRequest): HttpError => {
    const late = isDeadline(error);
    if (late) counters.timeout();
    else counters.failure();
    const { code, statusCode } = error as { code?: string; statusCode?: number };
    log.warn(
      {
        upstream: label,
        method: request.method,
        path: request.path,
        code,
        upstreamStatus: statusCode,
        // The ids of the client requests this call was made for, so the line is found by any of them.
        reqId: request.caller?.requestId,
        request_ids: request.requestIds,
      },
      late ? 'upstream timed out' : 'upstream unavailable',
    );
    return late ? upstreamTimedOut(label) : upstreamUnavailable(label);
  };

  function dispatch(options: Dispatcher.DispatchOptions, timeoutMs: number): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      dispatcher.dispatch(options, new UpstreamCall(timeoutMs, resolve, reject));
    });
  }

  function headersOf(request: UpstreamRequest): Record<string, string> {
    const { caller } = request;
    const headers: Record<string, string> = {};
    if (caller !== undefined) {
      headers['x-request-id'] = caller.requestId;
      // Identity's login throttle counts per person, not per portal.
      headers['x-forwarded-for'] = caller.clientIp;
      if (caller.token !== undefined) headers.authorization = `Bearer ${caller.token}`;
    }
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    return headers;
  }

  async function send(request: UpstreamRequest): Promise<UpstreamResponse> {
    counters.request();
    const headers = headersOf(request);
    const timeoutMs = request.timeoutMs ?? config.timeoutMs;
    const retry = jitteredBackoff(config.retryDelayMs, config.retryMaxDelayMs, Date.now() + timeoutMs, counters.retry);
    const isRetrySafePost = request.method === 'POST' && request.isRetrySafe === true;
    const options: Dispatcher.DispatchOptions & { retryOptions: interceptors.RetryInterceptorOpts } = {
      method: request.method,
      path: prefix + request.path,
      headers,
      body: request.body,
      retryOptions: isRetrySafePost ? { methods: ['POST'], retry } : { retry },
    };
    let response: UpstreamResponse;
    try {
      response = await dispatch(options, timeoutMs);
    } catch (error) {
      // A streamed upload that failed on the client's side (too large, cut off) is the client's answer.
      if (isClientError(error)) throw error;
      throw failure(error, request);
    }
    // A 5xx that survived the retries is the upstream failing, not an answer for the client.
    if (response.status >= 500) throw failure({ statusCode: response.status }, request);
    return response;
  }

  async function stream(request: UpstreamRequest & { accept?: string }): Promise<UpstreamStream> {
    const headers = headersOf(request);
    if (request.accept !== undefined) headers.accept = request.accept;
    counters.request();
    const timeoutMs = request.timeoutMs ?? config.timeoutMs;
    const retry = jitteredBackoff(config.retryDelayMs, config.retryMaxDelayMs, Date.now() + timeoutMs, counters.retry);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new UpstreamDeadlineError('upstream deadline passed')), timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      // undici's request(): its body is a stream with backpressure; retryOptions reach the interceptor.
      response = await dispatcher.request({
        method: 'GET',
        path: prefix + request.path,
        headers,
        signal: deadline.signal,
        retryOptions: { retry },
      } as Dispatcher.RequestOptions);
    } catch (error) {
      throw failure(error, request);
    } finally {
      clearTimeout(timer);
    }
    if (response.statusCode >= 500) {
      response.body.destroy();
      throw failure({ statusCode: response.statusCode }, request);
    }
    const header = (name: string) => {
      const value = response.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    return {
      status: response.statusCode,
      contentType: header('content-type'),
      retryAfter: header('retry-after'),
      contentDisposition: header('content-disposition'),
      body: response.body,
    };
  }

  /** GET /health of one replica, through that replica's own pool: no retry, no balancing. */
  async function ping(origin: string): Promise<void> {
    const replica = pool.getUpstream(origin);
    if (replica === undefined) throw new Error('no such replica');
    const response = await new Promise<UpstreamResponse>((resolve, reject) => {
      replica.dispatch(
        { method: 'GET', path: `${prefix}/health` },
        new UpstreamCall(Math.min(config.timeoutMs, 2000), resolve, reject),
      );
    });
    if (response.status !== 200) throw new Error(`answered ${response.status}`);
  }

  return {
    send,
    stream,
    readiness() {
      if (origins.length === 1) return () => ping(origins[0] as string);
      return {
        replicas: Object.fromEntries(bases.map((base, index) => [base.href, () => ping(origins[index] as string)])),
      };
    },
    async close() {
      await pool.close();
    },
  };
}
