// GET /ca.crt and GET /ca (the portal's CA and its install page; also on the plain-HTTP companion) and GET /api/phone-setup (admin: the dashboard's QR code).
import { PhoneSetup } from '@tixgo/contracts';
import { AUTH_MESSAGES, httpErrors } from '@tixgo/platform';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { INSTALL_PAGE_CSP, renderInstallPage } from '../phone-setup/install-page.js';
import {
  caFacts,
  installUrl,
  type PhoneTrust,
  portalUrl,
  reachableHosts,
  requestedHost,
} from '../phone-setup/phone-trust.js';
import { authenticateCaller } from '../session/authenticate-caller.js';

export const CA_NOT_IN_USE: Record<'files' | 'proxy', string> = {
  files: 'This portal serves the certificate from TLS_CERT_FILE: there is no TixGo certificate authority to install',
  proxy: 'This portal runs behind a TLS proxy (PORTAL_HTTP): its certificate is the proxy’s, nothing to install',
};

export interface CaRoutesOptions {
  trust: PhoneTrust;
  /** True on the plain-HTTP companion: links to the portal name its HTTPS port. */
  companion?: boolean;
}

/** The host the phone used (its Host header), else the first address a phone can reach. */
function hostFor(request: FastifyRequest, trust: PhoneTrust): string {
  return requestedHost(request.hostname) ?? reachableHosts(trust.names())[0] ?? 'localhost';
}

function sendInstallPage(request: FastifyRequest, reply: FastifyReply, options: CaRoutesOptions) {
  const { trust } = options;
  const { certificate } = trust;
  // The HTTPS port at the host the phone used: from the companion PORT, on the HTTPS port its own (a
  // container's published port may differ from the one it listens on).
  const port = options.companion ? trust.httpsPort : (request.port ?? trust.httpsPort);
  const portal = portalUrl(trust, hostFor(request, trust), port);
  const html = renderInstallPage({
    certificate: certificate.kind,
    ca: certificate.kind === 'own-ca' ? caFacts(certificate.caCert) : undefined,
    portalUrl: `${portal}/station`,
  });
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('content-security-policy', INSTALL_PAGE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .send(html);
}

/** The CA and its install page: what the HTTPS port and the plain-HTTP companion both serve. */
export const caRoutes: FastifyPluginAsync<CaRoutesOptions> = async (app, options) => {
  const { certificate } = options.trust;
  app.get('/ca.crt', { schema: { hide: true } }, async (_request, reply) => {
    if (certificate.kind !== 'own-ca') {
      return reply.code(404).header('cache-control', 'no-cache').send({ detail: CA_NOT_IN_USE[certificate.kind] });
    }
    // The type Android's and iOS's installers recognise; the name is what the install page tells people to pick.
    return reply
      .type('application/x-x509-ca-cert')
      .header('content-disposition', 'attachment; filename="tixgo-ca.crt"')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(certificate.caCert);
  });
  app.get('/ca', { schema: { hide: true } }, async (request, reply) => sendInstallPage(request, reply, options));
  if (options.companion) {
    // What a person types first on a phone: http://<box>:<port>.
    app.get('/', { schema: { hide: true } }, async (request, reply) => sendInstallPage(request, reply, options));
  }
};

/** GET /api/phone-setup: what the dashboard shows an admin for setting up gate phones. */
export const phoneSetupRoutes: FastifyPluginAsyncZod<{ trust: PhoneTrust }> = async (app, { trust }) => {
  app.get(
    '/api/phone-setup',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['portal'],
        summary:
          "How gate phones come to trust the portal: the CA's fingerprint and the install page's addresses (admin)",
        security: [{ bearerAuth: [] }],
        response: { 200: PhoneSetup },
      },
    },
    async (request) => {
      if (request.user.role !== 'admin') throw httpErrors.forbidden(AUTH_MESSAGES.adminOnly);
      const { certificate } = trust;
      const facts = certificate.kind === 'own-ca' ? caFacts(certificate.caCert) : undefined;
      // Behind a proxy the portal does not know the address phones open.
      const hosts = certificate.kind === 'proxy' ? [] : reachableHosts(trust.names());
      return {
        certificate: certificate.kind,
        ca_name: facts?.name ?? null,
        ca_fingerprint_sha256: facts?.fingerprint ?? null,
        install_urls: hosts.map((host) => installUrl(trust, host)),
        portal_urls: hosts.map((host) => portalUrl(trust, host)),
        reachable_from_network: trust.reachableFromNetwork,
      };
    },
  );
};
