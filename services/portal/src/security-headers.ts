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
  // What the web UI (services/portal/web) needs, and nothing else: every script, style, image, font,
  // worker and fetch comes from the portal itself ('self'; nothing from a CDN). Beyond 'self' only:
  // - script-src 'wasm-unsafe-eval': the camera's QR decoder (zxing-wasm, a bundled .wasm served from
  //   /assets) must compile WebAssembly; it allows no eval() of JavaScript and no inline script.
  // - img-src data:: uPlot's and the browser's own small images (none of our markup uses data: URLs).
  // style-src is 'self' without 'unsafe-inline': Preact and uPlot set styles through the DOM (CSSOM),
  // which a CSP does not restrict, and the built UI has no <style> elements or style attributes.
  // /docs (Swagger UI) sets its own CSP for its pages.
  const pageHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", "'wasm-unsafe-eval'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
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
    const isApi = request.url.startsWith('/api/');
    (isApi ? apiHeaders : pageHeaders)(request.raw, reply.raw, next);
    // The station's camera scanning, and no other powerful feature, for the portal's own pages.
    if (!isApi) reply.raw.setHeader('permissions-policy', 'camera=(self), microphone=(), geolocation=(), payment=()');
    done();
  });
}
