// `HOST=0.0.0.0 pnpm start` (the README's set-up for phones on the event Wi-Fi) is a venue stack (issue 14): the demo
// logins and self-registration are refused, a first admin is made with a password shown once and kept in DATA_DIR
// (0600) while it works, identity and attendance listen on loopback only, and the console says so. Free ports, a
// DATA_DIR of its own; only loopback addresses are connected to (what listens where is read from /proc/net/tcp).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { freeStackPorts, type StartedStack, smokeTest, startStack, untilRunning } from './support/pnpm-start.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-venue-stack-'));
// Run as root, the embedded servers run as the postgres user, which must enter DATA_DIR/<service>.
chmodSync(dataDir, 0o711);
let stack: StartedStack | undefined;
let portalClient: Agent | undefined;

afterAll(async () => {
  await stack?.stop();
  await portalClient?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The addresses a TCP port listens on, from Linux's /proc/net/tcp and tcp6 ("0.0.0.0", "127.0.0.1", "::", "::1"). */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const [, local = '', , state] = line.trim().split(/\s+/);
      const [address = '', portHex = ''] = local.split(':');
      if (state !== '0A' || Number.parseInt(portHex, 16) !== port) continue; // 0A: LISTEN
      if (address.length === 8) {
        found.push(
          (address.match(/../g) ?? [])
            .reverse()
            .map((byte) => Number.parseInt(byte, 16))
            .join('.'),
        );
      } else {
        found.push(/^0+$/.test(address) ? '::' : address === '00000000000000000000000001000000' ? '::1' : address);
      }
    }
  }
  return found.sort();
}

async function post(url: string, body: unknown, dispatcher?: Agent) {
  const answer = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher,
  });
  const text = await answer.body.text();
  return { status: answer.statusCode, body: text === '' ? undefined : JSON.parse(text) };
}

describe('HOST=0.0.0.0 pnpm start', () => {
  it('is a venue stack: no demo logins, registration closed, a first admin shown once, identity and attendance on loopback', {
    timeout: 300_000,
  }, async () => {
    const ports = await freeStackPorts();
    stack = startStack({ ...ports, HOST: '0.0.0.0', DATA_DIR: dataDir });
    await untilRunning(stack);
    const output = stack.output();
    expect(output).toContain('TixGo is running (venue mode):');
    expect(output).toContain(
      'Venue mode (HOST=0.0.0.0 is reachable from the network): no demo users, registration closed (an admin ' +
        'creates accounts), identity on 127.0.0.1 only, attendance on 127.0.0.1 only. PUBLISH_SERVICES=true ' +
        'publishes identity and attendance.',
    );
    expect(output).not.toContain('Demo logins');
    const password = /First admin: admin \/ (\S+) {3}\(shown once; kept in (\S+), mode 0600, while it signs in\)/.exec(
      output,
    )?.[1] as string;
    expect(output).toContain(`kept in ${path.join(dataDir, 'first-admin.txt')}, mode 0600`);
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const kept = path.join(dataDir, 'first-admin.txt');
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(readFileSync(kept, 'utf8')).toContain(`username: admin\npassword: ${password}\n`);

    const identity = `http://127.0.0.1:${ports.IDENTITY_PORT}`;
    const portal = `https://127.0.0.1:${ports.PORTAL_PORT}`;
    portalClient = new Agent({
      connect: { ca: readFileSync(path.join(dataDir, 'portal', 'tls', 'ca-cert.pem'), 'utf8') },
    });
    for (const username of ['admin1', 'panitia1']) {
      for (const [url, dispatcher] of [
        [`${identity}/auth/login`, undefined],
        [`${portal}/api/auth/login`, portalClient],
      ] as const) {
        const refused = await post(url, { username, password: 'secret' }, dispatcher);
        expect(refused, `${username} at ${url}`).toEqual({
          status: 401,
          body: { detail: 'Invalid username/password' },
        });
      }
    }
    const register = await post(
      `${portal}/api/auth/register`,
      { username: 'walk-in', password: 'pass1234' },
      portalClient,
    );
    expect(register).toEqual({ status: 403, body: { detail: 'Registration is closed: an admin creates accounts' } });
    const signIn = await post(`${portal}/api/auth/login`, { username: 'admin', password }, portalClient);
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ token_type: 'bearer' });

    // Only the portal (and its plain-HTTP CA companion) face the network.
    expect(listeningAddresses(Number(ports.IDENTITY_PORT))).toEqual(['127.0.0.1']);
    expect(listeningAddresses(Number(ports.ATTENDANCE_PORT))).toEqual(['127.0.0.1']);
    expect(listeningAddresses(Number(ports.PORTAL_PORT))).toEqual(['0.0.0.0']);
    expect(listeningAddresses(Number(ports.PORTAL_CA_HTTP_PORT))).toEqual(['0.0.0.0']);
    const ca = await request(`http://127.0.0.1:${ports.PORTAL_CA_HTTP_PORT}/ca.crt`);
    expect(ca.statusCode).toBe(200);
    expect(await ca.body.text()).toContain('-----BEGIN CERTIFICATE-----');

    // The smoke test runs with the admin account the operator was given.
    const smoke = await smokeTest({ ...ports, SMOKE_USERNAME: 'admin', SMOKE_PASSWORD: password });
    expect(smoke.stdout).toContain('smoke test passed');
    expect(smoke.code).toBe(0);

    expect(await stack.stop()).toBe(0);

    // The next start does not show the password again; it still signs in.
    stack = startStack({ ...ports, HOST: '0.0.0.0', DATA_DIR: dataDir });
    await untilRunning(stack);
    const again = stack.output();
    expect(again).toContain(
      `First admin: admin, its generated password in ${kept} (mode 0600; removed once it no longer signs in)`,
    );
    expect(again).not.toContain(password);
    expect((await post(`${portal}/api/auth/login`, { username: 'admin', password }, portalClient)).status).toBe(200);
    expect(await stack.stop()).toBe(0);
  });
});
