// The identity service's environment, parsed once at start-up (see .env.example).

import { Username } from '@tixgo/contracts';
import { type CommonConfig, commonConfig, commonEnvSchema, env, invalidConfiguration, parseEnv } from '@tixgo/platform';
import { z } from 'zod';

const schema = commonEnvSchema.extend({
  PORT: env.port(18081),
  BCRYPT_COST: env.positiveInt(12, 15).pipe(z.number().min(4)),
  SEED_DEMO_USERS: env.optionalBoolean(),
  // The bootstrap admin obeys the rules of registration (spec: identity); a longer password would be
  // cut to 72 bytes by bcrypt without a word. Messages never echo the value.
  ADMIN_USERNAME: env.optionalString().refine((value) => value === undefined || Username.safeParse(value).success, {
    message: 'must be 3-50 characters of ASCII letters, digits and . _ - @',
  }),
  ADMIN_PASSWORD: env
    .optionalString()
    .refine((value) => value === undefined || (value.length >= 4 && Buffer.byteLength(value, 'utf8') <= 72), {
      message: 'must be at least 4 characters and at most 72 bytes',
    }),
  REFRESH_TOKEN_EXPIRE_DAYS: env.positiveInt(7, 365),
  // A rotated refresh token presented again within this grace gets the same successor (a retry
  // after a lost answer, two tabs at once); later it is taken for theft and ends the session.
  REFRESH_REUSE_GRACE_SECONDS: env.positiveInt(20, 120),
  LOGIN_MAX_PER_IP: env.positiveInt(60),
  LOGIN_MAX_PER_USERNAME: env.positiveInt(10),
  LOGIN_WINDOW_SECONDS: env.positiveInt(300),
  LOGIN_LOCKOUT_MAX_SECONDS: env.positiveInt(900, 86_400),
  // Self-registration without an admin token; default: open outside production only.
  OPEN_REGISTRATION: env.optionalBoolean(),
  // Only the portal's address: identity counts logins per client from X-Forwarded-For, so
  // believing it from anyone would let a client pick a fresh address for every attempt.
  TRUST_PROXY: env.trustProxy().refine((value) => value !== true, {
    message: "must name the portal's addresses (true would believe X-Forwarded-For from anyone)",
  }),
  DB_POOL_SIZE: env.positiveInt(10),
  // Browser origins allowed to call identity (compat: the original let a GitHub Pages front-end and local dev servers do so).
  CORS_ORIGINS: env.origins(),
});

export interface IdentityConfig extends CommonConfig {
  databaseUrl: string | undefined;
  dbPoolSize: number;
  refreshTokenExpireDays: number;
  refreshReuseGraceSeconds: number;
  bcryptCost: number;
  seedDemoUsers: boolean;
  bootstrapAdmin: { username: string; password: string } | undefined;
  loginLimits: { perIp: number; perUsername: number; windowSeconds: number; lockoutMaxSeconds: number };
  /** false: registering without an admin token is refused (403). */
  openRegistration: boolean;
  trustProxy: false | string[];
  /** CORS_ORIGINS: browser origins answered with CORS headers; empty: none. */
  corsOrigins: string[];
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): IdentityConfig {
  const raw = parseEnv(schema, source);
  const production = raw.NODE_ENV === 'production';
  const common = commonConfig(raw);
  // The demo users' passwords are published (README, the original's smoke test): in production they
  // would open the system to anyone, as a published JWT secret would.
  if (production && raw.SEED_DEMO_USERS === true) {
    throw invalidConfiguration(
      'SEED_DEMO_USERS: demo users (published passwords) are refused in production; set ADMIN_USERNAME/ADMIN_PASSWORD for the first admin',
    );
  }
  if ((raw.ADMIN_USERNAME === undefined) !== (raw.ADMIN_PASSWORD === undefined)) {
    throw invalidConfiguration('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  return {
    ...common,
    databaseUrl: raw.DATABASE_URL,
    dbPoolSize: raw.DB_POOL_SIZE,
    refreshTokenExpireDays: raw.REFRESH_TOKEN_EXPIRE_DAYS,
    refreshReuseGraceSeconds: raw.REFRESH_REUSE_GRACE_SECONDS,
    bcryptCost: raw.BCRYPT_COST,
    // compat: demo users exist by default outside production (the original's smoke test logs in as them).
    seedDemoUsers: raw.SEED_DEMO_USERS ?? !production,
    bootstrapAdmin:
      raw.ADMIN_USERNAME && raw.ADMIN_PASSWORD
        ? { username: Username.parse(raw.ADMIN_USERNAME), password: raw.ADMIN_PASSWORD }
        : undefined,
    loginLimits: {
      perIp: raw.LOGIN_MAX_PER_IP,
      perUsername: raw.LOGIN_MAX_PER_USERNAME,
      windowSeconds: raw.LOGIN_WINDOW_SECONDS,
      lockoutMaxSeconds: raw.LOGIN_LOCKOUT_MAX_SECONDS,
    },
    // compat: the original let anyone register; production closes it unless the operator opens it.
    openRegistration: raw.OPEN_REGISTRATION ?? !production,
    trustProxy: raw.TRUST_PROXY === true ? false : raw.TRUST_PROXY,
    corsOrigins: raw.CORS_ORIGINS,
  };
}
