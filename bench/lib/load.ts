// A bounded load run with autocannon: fixed duration and connections, loopback only.
import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  status: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Builds each request's body (unique tickets, for example). */
  body?: () => string;
  /** Headers of one connection, added to `headers` on each of its requests (a gate's own token). */
  connectionHeaders?: (connection: number) => Record<string, string>;
  path?: string;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let connectionsSeen = 0;
  // autocannon hands setupRequest a context object of the connection's own.
  const headersOf = (context: { connectionHeaders?: Record<string, string> }) => {
    if (!options.connectionHeaders) return undefined;
    context.connectionHeaders ??= options.connectionHeaders(connectionsSeen++);
    return context.connectionHeaders;
  };
  const settings: autocannon.Options = {
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    headers: options.headers,
    requests: [
      {
        method: options.method ?? 'GET',
        path: options.path,
        setupRequest: (request, context) => {
          const own = headersOf(context as { connectionHeaders?: Record<string, string> });
          return {
            ...request,
            ...(own ? { headers: { ...request.headers, ...own } } : {}),
            ...(options.body ? { body: options.body() } : {}),
          };
        },
      },
    ],
  };
  const status: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(settings, (error, outcome) => (error ? reject(error) : resolve(outcome)));
    instance.on('response', (_client, statusCode) => {
      status[statusCode] = (status[statusCode] ?? 0) + 1;
    });
  });
  return {
    requests: result.requests.total,
    rps: result.requests.total / options.durationSeconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    status,
  };
}

export function formatLoad(label: string, result: LoadResult): string {
  return `${label}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms, errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx} (${JSON.stringify(result.status)})`;
}

/** The p-th percentile (nearest rank) of ascending `sorted` values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
