// Starts the portal from the environment: TLS (configured or self-signed), listen, stop on signals.
import { startService } from '@tixgo/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { loadTlsCredentials } from './tls/portal-certificate.js';

await startService('portal', loadConfig, async (config, log) => {
  if (config.plainHttp) {
    log.warn('PORTAL_HTTP=true: serving plain HTTP, for running behind a TLS-terminating proxy only');
    return buildApp(config);
  }
  const tls = await loadTlsCredentials({ dataDir: config.dataDir, files: config.tls });
  log.info({ source: tls.source }, 'TLS certificate ready');
  return buildApp(config, { tls });
});
