// The plain-HTTP companion (PORTAL_CA_HTTP_PORT): GET /ca.crt, the install page (/ca and /), and a redirect to HTTPS for everything else — nothing more, so a phone can fetch the portal's CA before it trusts anything.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { caRoutes } from '../routes/phone-setup.js';
import { type PhoneTrust, portalUrl, reachableHosts, requestedHost } from './phone-trust.js';

/**
 * It answers small GETs only: a short request deadline, no bodies, few connections (a handful of
 * phones set up one after the other), whatever the HTTPS port allows.
 */
const COMPANION_LIMITS = { requestTimeoutMs: 10_000, maxConnections: 64, bodyLimitBytes: 1024 };

export async function buildCaCompanion(options: {
  trust: PhoneTrust;
  log: FastifyBaseLogger;
}): Promise<FastifyInstance> {
  const { trust } = options;
  const app = Fastify({
    loggerInstance: options.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: COMPANION_LIMITS.bodyLimitBytes,
    requestTimeout: COMPANION_LIMITS.requestTimeoutMs,
    http: { headersTimeout: COMPANION_LIMITS.requestTimeoutMs, requestTimeout: COMPANION_LIMITS.requestTimeoutMs },
  });
  app.server.maxConnections = COMPANION_LIMITS.maxConnections;
  // The {"detail"} body every answer of the portal has.
  app.setErrorHandler(async (error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'CA companion failed');
    return reply.code(status).send({ detail: status === 500 ? 'Internal Server Error' : error.message });
  });
  await app.register(caRoutes, { trust, companion: true });
  // Everything else is the portal's: the same path over HTTPS, at the host the phone used.
  app.setNotFoundHandler(async (request, reply) => {
    const host = requestedHost(request.hostname) ?? reachableHosts(trust.names())[0] ?? 'localhost';
    return reply.redirect(`${portalUrl(trust, host)}${request.url}`, 302);
  });
  return app;
}
