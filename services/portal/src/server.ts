// Starts the portal from the environment: TLS (configured, or issued by its own CA and kept current), the CA's plain-HTTP companion, listen, stop on signals.
import type { Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import { startService } from '@tixgo/platform';
import { buildApp, machineNames, phoneTrustOf } from './app.js';
import { loadConfig } from './config.js';
import { buildCaCompanion } from './phone-setup/ca-companion.js';
import { CertificateKeeper, loadTlsCredentials } from './tls/portal-certificate.js';

/**
 * Becomes `user` (and its group of the same name, as the image's node:node, as the only group) when
 * started as root; otherwise nothing changes. Node's own process calls: no setpriv or gosu needed.
 */
function runAs(user: string, log: { info: (obj: object, msg: string) => void }): void {
  if (process.getuid?.() !== 0 || !process.setuid || !process.setgid || !process.setgroups) return;
  process.setgroups([user]);
  process.setgid(user);
  process.setuid(user);
  log.info(
    { uid: process.getuid(), gid: process.getgid?.() },
    `started as root (to read TLS files); now running as ${user}`,
  );
}

/** How often the names and the certificate's age are checked (a box that joins the Wi-Fi after start gets its address in). */
const CERTIFICATE_CHECK_MS = 60_000;

await startService('portal', loadConfig, async (config, log) => {
  if (config.plainHttp) {
    log.warn('PORTAL_HTTP=true: serving plain HTTP, for running behind a TLS-terminating proxy only');
    return buildApp(config);
  }
  const names = machineNames(config);
  const own = { dataDir: config.dataDir, hostname: hostname(), names: names(), now: new Date() };
  // Configured files are read first: as root when the image starts so (a key only root can read),
  // then the process becomes PORTAL_RUN_AS before it creates anything in DATA_DIR.
  const fromFiles = config.tls ? await loadTlsCredentials({ ...own, files: config.tls }) : undefined;
  if (config.runAs) runAs(config.runAs, log);
  const tls = fromFiles ?? (await loadTlsCredentials(own));
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
