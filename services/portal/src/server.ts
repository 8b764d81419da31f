// Starts the portal from the environment: TLS (configured, or issued by its own CA and kept current), the CA's plain-HTTP companion, listen, stop on signals.
import type { Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import { startService } from '@tixgo/platform';
import { buildApp, machineNames, phoneTrustOf } from './app.js';
import { loadConfig } from './config.js';
import { buildCaCompanion } from './phone-setup/ca-companion.js';
import { CertificateKeeper, loadTlsCredentials } from './tls/portal-certificate.js';

/** How often the names and the certificate's age are checked (a box that joins the Wi-Fi after start gets its address in). */
const CERTIFICATE_CHECK_MS = 60_000;

await startService('portal', loadConfig, async (config, log) => {
  if (config.plainHttp) {
    log.warn('PORTAL_HTTP=true: serving plain HTTP, for running behind a TLS-terminating proxy only');
    return buildApp(config);
  }
  const names = machineNames(config);
  const own = { dataDir: config.dataDir, hostname: hostname(), names: names(), now: new Date() };
  const tls = await loadTlsCredentials({ ...own, files: config.tls });
  log.info({ source: tls.source, ...(tls.ca && { names: own.names }) }, 'TLS certificate ready');
  const app = await buildApp(config, { tls, names });

  if (tls.ca) {
    const keeper = new CertificateKeeper({
      dataDir: config.dataDir,
      hostname: own.hostname,
      names,
      now: () => new Date(),
      // Fastify types its server as http's; with `https` options it is an https.Server.
      apply: (fresh) => (app.server as unknown as HttpsServer).setSecureContext({ key: fresh.key, cert: fresh.cert }),
      log,
    }).every(CERTIFICATE_CHECK_MS);
    app.addHook('onClose', async () => keeper.stop());
  }
  if (config.caHttpPort > 0) {
    const companion = await buildCaCompanion({ trust: phoneTrustOf(config, { tls, names }), log: app.log });
    await companion.listen({ host: config.host, port: config.caHttpPort });
    log.info({ port: config.caHttpPort }, 'CA companion (plain HTTP: /ca.crt and the install page) listening');
    app.addHook('onClose', async () => companion.close());
  }
  return app;
});
