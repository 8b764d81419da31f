// GET /health (compat: liveness, never touches dependencies) and GET /ready (dependencies answer).
import type { FastifyInstance } from 'fastify';

/** A readiness check: resolves when the dependency answers, rejects (or times out) otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  service: string;
  checks: Record<string, ReadinessCheck>;
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

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const { service, checks, timeoutMs = 2000, reports = {} } = options;
  const body = JSON.stringify({ status: 'ok', service });

  app.get('/health', { schema: { hide: true } }, async (_request, reply) => reply.type('application/json').send(body));

  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => runCheck(checks[name] as ReadinessCheck, timeoutMs)));
    const report = Object.fromEntries(names.map((name, index) => [name, results[index]]));
    const ready = results.every((result) => result === 'ok');
    const facts = Object.fromEntries(Object.entries(reports).map(([name, read]) => [name, read()]));
    if (ready) return reply.send({ status: 'ready', service, checks: report, ...facts });
    return reply.code(503).send({ detail: 'Service not ready', service, checks: report, ...facts });
  });
}
