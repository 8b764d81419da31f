// GET /health (compat: liveness, never touches dependencies) and GET /ready (dependencies answer).
import type { FastifyInstance } from 'fastify';

/** A readiness check: resolves when the dependency answers, rejects (or times out) otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

/**
 * The checks of a dependency that runs as several replicas (the portal's upstreams), by replica URL:
 * the dependency is ready when at least one replica is (the others are routed around), and /ready
 * shows each replica's answer.
 */
export interface ReplicaChecks {
  replicas: Record<string, ReadinessCheck>;
}

type CheckResult = 'ok' | string | { status: 'ok' | string; replicas: Record<string, 'ok' | string> };

export interface HealthOptions {
  service: string;
  checks: Record<string, ReadinessCheck | ReplicaChecks>;
  /** How long one check may take before it counts as down. */
  timeoutMs?: number;
  /**
   * Facts shown beside the checks that never make /ready fail (the revocation list's age: a
   * service keeps serving with its last list while identity is away).
   */
  reports?: Record<string, () => unknown>;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([check().then(() => 'ok' as const), timeout]);
  } catch (error) {
    return error instanceof Error ? error.message : 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

async function runChecks(check: ReadinessCheck | ReplicaChecks, timeoutMs: number): Promise<CheckResult> {
  if (typeof check === 'function') return runCheck(check, timeoutMs);
  const urls = Object.keys(check.replicas);
  const answers = await Promise.all(urls.map((url) => runCheck(check.replicas[url] as ReadinessCheck, timeoutMs)));
  const replicas = Object.fromEntries(urls.map((url, index) => [url, answers[index] as string]));
  return { status: answers.includes('ok') ? 'ok' : 'no replica answers', replicas };
}

const isOk = (result: CheckResult) => (typeof result === 'string' ? result : result.status) === 'ok';

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const { service, checks, timeoutMs = 2000, reports = {} } = options;
  const body = JSON.stringify({ status: 'ok', service });

  app.get('/health', { schema: { hide: true } }, async (_request, reply) => reply.type('application/json').send(body));

  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const names = Object.keys(checks);
    const results = await Promise.all(
      names.map((name) => runChecks(checks[name] as ReadinessCheck | ReplicaChecks, timeoutMs)),
    );
    const report = Object.fromEntries(names.map((name, index) => [name, results[index]]));
    const ready = results.every(isOk);
    const facts = Object.fromEntries(Object.entries(reports).map(([name, read]) => [name, read()]));
    if (ready) return reply.send({ status: 'ready', service, checks: report, ...facts });
    return reply.code(503).send({ detail: 'Service not ready', service, checks: report, ...facts });
  });
}
