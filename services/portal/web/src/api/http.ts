// Every call to the portal's /api: JSON in and out, the session cookie, one silent session renewal on a 401, and errors a person can read.

/** An answer that is not a success, or no answer at all (status 0: the server could not be reached). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly body: unknown,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(detail);
  }

  /** No answer, or a gateway saying the service behind it is down or slow: worth trying again. */
  get isUnreachable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  json?: unknown;
  /** A raw body (a CSV upload) with its content type. */
  raw?: { body: Blob | string; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Give up after this long (default 15 s): a gate must not wait on a hung connection. */
  timeoutMs?: number;
  /** false: a 401 is the answer (the session routes themselves). */
  renewOn401?: boolean;
  /**
   * When the session has ended: true (default) waits for the person to sign in again in the dialog and sends the
   * request again, so a click is carried out, not dropped; false answers the 401 at once (the station's scans,
   * which the device answers meanwhile).
   */
  resumeAfterSignIn?: boolean;
}

type Renewer = () => Promise<boolean>;
let renewSession: Renewer = async () => false;
let onSessionLost: () => Promise<boolean> = async () => false;

/**
 * Wired by the session module (which itself calls the API): how to renew, and what to do when that fails
 * (resolves true when the person has signed in again).
 */
export function configureSessionRenewal(renew: Renewer, lost: () => Promise<boolean>): void {
  renewSession = renew;
  onSessionLost = lost;
}

/** The readable message of an error body: `{"detail": "..."}` or FastAPI's list of field problems. */
export function detailOf(body: unknown, fallback: string): string {
  if (typeof body !== 'object' || body === null) return fallback;
  const { detail } = body as { detail?: unknown };
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item: { loc?: unknown[]; msg?: string }) => {
        const field = (item.loc ?? []).filter((part) => part !== 'body').join('.');
        return field ? `${field}: ${item.msg ?? ''}` : (item.msg ?? '');
      })
      .join('; ');
  }
  return fallback;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.contentType;
    body = options.raw.body;
  } else if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (method !== 'GET') {
    // The portal's CSRF rule: a write made with the session cookie says it is JSON, body or not.
    headers['content-type'] = 'application/json';
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  return fetch(path, { method, headers, body, signal, credentials: 'same-origin', cache: 'no-store' });
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Calls `path`; resolves with the parsed body of a 2xx, rejects with an ApiError otherwise. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await send(path, options);
    if (response.status === 401 && options.renewOn401 !== false) {
      if (await renewSession()) response = await send(path, options);
      if (response.status === 401) {
        const signedInAgain = onSessionLost();
        if (options.resumeAfterSignIn !== false && (await signedInAgain)) response = await send(path, options);
      }
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw new ApiError(0, timedOut ? 'timeout' : 'unreachable', null, undefined);
  }
  const body = await readBody(response).catch(() => null);
  if (response.ok) return body as T;
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new ApiError(
    response.status,
    detailOf(body, response.statusText),
    body,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}
