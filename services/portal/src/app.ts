// buildApp(config, deps): the portal as a Fastify app (no listen; tests inject into it or listen on port 0).

import { hostname, networkInterfaces } from 'node:os';
import fastifyCookie from '@fastify/cookie';
import {
  type BaseAppOptions,
  createBaseApp,
  pollRevocationsFromIdentity,
  RevocationList,
  revocationStaleAfterMs,
} from '@tixgo/platform';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { limitBodiesBeforeReading } from './body-allowance.js';
import { CheckinClientLimit } from './checkin-client-limit.js';
import type { PortalConfig } from './config.js';
import { LiveChanges } from './live/live-changes.js';
import { LiveHub, type LiveHubOptions } from './live/live-hub.js';
import { limitLoginsPerClient } from './login-rate-limit.js';
import { isLoopbackHost, type PhoneTrust } from './phone-setup/phone-trust.js';
import attendanceRoutes from './routes/attendance.js';
import authRoutes from './routes/auth.js';
import checkinsRoutes from './routes/checkins.js';
import dashboardRoutes from './routes/dashboard.js';
import eventsRoutes from './routes/events.js';
import gateRoutes from './routes/gate.js';
import liveRoutes from './routes/live.js';
import offlineStationRoutes from './routes/offline-station.js';
import { caRoutes, phoneSetupRoutes } from './routes/phone-setup.js';
import sessionRoutes from './routes/session.js';
import webUiRoutes, { type WebUiOptions } from './routes/web-ui.js';
import { registerSecurityHeaders } from './security-headers.js';
import { requireJsonFromCookieSessions } from './session/authenticate-caller.js';
import type { TlsCredentials } from './tls/portal-certificate.js';
import { type PortalNames, portalNames } from './tls/portal-names.js';
import { type AttendanceClient, createAttendanceClient } from './upstream/attendance-client.js';
import { createIdentityClient, type IdentityClient } from './upstream/identity-client.js';
import { sameDatabaseCheck } from './upstream/same-database.js';
import type { UpstreamLog } from './upstream/upstream-client.js';
import { UpstreamMetrics } from './upstream/upstream-metrics.js';

export const SERVICE_NAME = 'portal';

export interface PortalDeps {
  /**
   * Serve HTTPS with these; without them the app speaks plain HTTP (PORTAL_HTTP, tests). With `ca`
   * (the portal's own CA issued `cert`) it serves that root at /ca.crt for the gate phones.
   */
  tls?: (Pick<TlsCredentials, 'key' | 'cert'> & { ca?: string | undefined }) | undefined;
  /** The names and addresses the portal is reached by (tests fix them); default: this machine's and PUBLIC_HOSTS. */
  names?: (() => PortalNames) | undefined;
  /** The built web UI (tests point elsewhere); default: services/portal/web/dist. */
  webRoot?: string | undefined;
  /** Where the log lines go (tests read them); default stdout. */
  logStream?: BaseAppOptions['logStream'];
  /** Drives the live streams' periodic revocation check (tests run it by hand); see LiveHubOptions.every. */
  liveChecks?: LiveHubOptions['every'];
  /** The live topics' timers (tests drive them by hand); see LiveHubOptions.clock. */
  liveClock?: LiveHubOptions['clock'];
  /** The clock of the portal's per-client windows and stream checks, in ms (tests move it); default Date.now. */
  now?: (() => number) | undefined;
}

/**
 * A JSON request with an empty body is a request without a body, not a 400: the browser session must
 * send `application/json` on every mutating request (CSRF rule), also on a DELETE or a logout that
 * have nothing to send. A route that needs a body still answers 422, as FastAPI does.
 */
function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') done(null, null);
    else parseJson(request, text, done);
  });
}

/** The machine's names as they are now: its LAN addresses change when it joins another network. */
export function machineNames(config: Pick<PortalConfig, 'publicHosts'>): () => PortalNames {
  return () => portalNames({ hostname: hostname(), interfaces: networkInterfaces(), publicHosts: config.publicHosts });
}

/** What gate phones install (if anything) and where they find the portal: for /ca, /ca.crt, /api/phone-setup and the companion. */
export function phoneTrustOf(config: PortalConfig, deps: Pick<PortalDeps, 'tls' | 'names'>): PhoneTrust {
  const { tls } = deps;
  return {
    certificate: tls?.ca ? { kind: 'own-ca', caCert: tls.ca } : tls ? { kind: 'files' } : { kind: 'proxy' },
    names: deps.names ?? machineNames(config),
    httpsPort: config.port,
    caHttpPort: config.caHttpPort,
    reachableFromNetwork: !isLoopbackHost(config.host),
  };
}

export async function buildApp(config: PortalConfig, deps: PortalDeps = {}): Promise<FastifyInstance> {
  // The clients log through the app's logger; they exist before it, so they get it late.
  let warn: UpstreamLog['warn'] = () => undefined;
  let logError: (obj: object, msg?: string) => void = () => undefined;
  const log: UpstreamLog = { warn: (obj, msg) => warn(obj, msg) };
  // The clients count their calls before the app exists: the app serves this registry at /metrics.
  const metricsRegistry = new Registry();
  const upstreamMetrics = new UpstreamMetrics(metricsRegistry);
  const identity: IdentityClient = createIdentityClient(config.identity, log, upstreamMetrics);
  const attendance: AttendanceClient = createAttendanceClient(
    config.attendance,
    config.checkinBatching,
    log,
    upstreamMetrics,
  );

  // Filled by the web UI's routes (they know where its files are), asked for any unknown path.
  const uiNotFound: WebUiOptions['notFound'] = {};
  const app = await createBaseApp({
    service: SERVICE_NAME,
    logLevel: config.logLevel,
    logStream: deps.logStream,
    jwtSecret: config.jwtSecret,
    jwtPreviousSecret: config.jwtPreviousSecret,
    tokenExpireMinutes: config.tokenExpireMinutes,
    limits: config.serverLimits,
    // In production the portal's port is the public one: its metrics need METRICS_TOKEN (issue 15, item 13).
    metrics: { registry: metricsRegistry, token: config.metricsToken, requireToken: config.nodeEnv === 'production' },
    trustProxy: config.trustProxy,
    openapi: {
      title: 'TixGo portal',
      description: 'The browser gateway: /api/* verified here, then forwarded to identity and attendance.',
    },
    // spec: the portal is ready when both upstreams answer their /health (at least one replica of each).
    // With several attendance replicas: also that they share one database (issue 18).
    readiness: {
      identity: identity.readiness(),
      attendance: attendance.readiness(),
      ...(config.attendance.baseUrls.length > 1 && {
        attendance_database: sameDatabaseCheck(config.attendance.baseUrls, { error: (obj, msg) => logError(obj, msg) }),
      }),
    },
    server: deps.tls
      ? { https: { key: deps.tls.key, cert: deps.tls.cert, handshakeTimeout: config.tlsHandshakeTimeoutMs } }
      : {},
    // The portal verifies every token itself, so it must also know what identity revoked.
    revocations: new RevocationList(revocationStaleAfterMs(config.revocationPollSeconds)),
    notFoundPage: (request, reply) => uiNotFound.page?.(request, reply),
  });
  warn = (obj, msg) => app.log.warn(obj, msg);
  logError = (obj, msg) => app.log.error(obj, msg);
  pollRevocationsFromIdentity(app, {
    identityBaseUrls: config.identity.baseUrls,
    pollSeconds: config.revocationPollSeconds,
  });
  app.addHook('onClose', async () => {
    await Promise.all([identity.close(), attendance.close()]);
  });

  registerSecurityHeaders(app, { production: config.nodeEnv === 'production' });
  await app.register(fastifyCookie);
  acceptEmptyJsonBodies(app);
  limitBodiesBeforeReading(app);
  app.addHook('onRequest', requireJsonFromCookieSessions);
  await limitLoginsPerClient(app, { ...config.loginRateLimit, now: deps.now });

  await app.register(authRoutes, { identity, tokenExpireMinutes: config.tokenExpireMinutes });
  await app.register(sessionRoutes, {
    identity,
    tokenExpireMinutes: config.tokenExpireMinutes,
    refreshCookieMaxAgeSeconds: config.sessionMaxDays * 24 * 3600,
  });
  // One limiter for every check-in route: an address's budget is shared by the ways in.
  const checkinsPerClient = new CheckinClientLimit(config.checkinsPerClient);
  const limitCheckins = checkinsPerClient.limitRequest;
  await app.register(checkinsRoutes, { attendance, limitCheckins });
  await app.register(attendanceRoutes, { attendance });
  await app.register(eventsRoutes, {
    attendance,
    limitCheckins,
    ticketImportMaxBytes: config.ticketImportMaxBytes,
    ticketUploadTimeoutMs: config.serverLimits.requestTimeoutMs + config.attendance.timeoutMs,
  });
  await app.register(dashboardRoutes, { attendance });
  // Attendance's announced changes, followed from the first live stream on (one stream per portal).
  const changes: LiveChanges = new LiveChanges({
    baseUrls: config.attendance.baseUrls,
    connectTimeoutMs: config.attendance.connectTimeoutMs,
    headersTimeoutMs: config.attendance.timeoutMs,
    log,
    onChange: (change) => hub.changed(change),
    onFollowing: (following) => hub.setFollowing(following),
  });
  const hub = new LiveHub({
    ...config.live,
    revocationCheckMs: config.revocationPollSeconds * 1000,
    log,
    every: deps.liveChecks,
    clock: deps.liveClock,
    onTopic: () => changes.start(),
  });
  // Before the server closes: an open stream would otherwise hold app.close() until its client left.
  app.addHook('preClose', async () => {
    hub.close();
    await changes.close();
  });
  await app.register(liveRoutes, { attendance, hub, heartbeatMs: config.live.heartbeatMs });
  await app.register(offlineStationRoutes, { attendance, checkinsPerClient });
  await app.register(gateRoutes, { attendance });
  const trust = phoneTrustOf(config, deps);
  await app.register(caRoutes, { trust });
  await app.register(phoneSetupRoutes, { trust });
  await app.register(webUiRoutes, { root: deps.webRoot, notFound: uiNotFound });
  return app;
}
