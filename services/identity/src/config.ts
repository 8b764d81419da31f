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
    message: 'must be 3-50 characters without control characters',
  }),
  ADMIN_PASSWORD: env
    .optionalString()
    .refine((value) => value === undefined || (value.length >= 4 && Buffer.byteLength(value, 'utf8') <= 72), {
      message: 'must be at least 4 characters and at most 72 bytes',
    }),
  REFRESH_TOKEN_EXPIRE_DAYS: env.positiveInt(7, 365),
  LOGIN_MAX_PER_IP: env.positiveInt(60),
  LOGIN_MAX_PER_USERNAME: env.positiveInt(10),
  LOGIN_WINDOW_SECONDS: env.positiveInt(300),
  TRUST_PROXY: env.trustProxy(),
  DB_POOL_SIZE: env.positiveInt(10),
});

export interface IdentityConfig extends CommonConfig {
  databaseUrl: string | undefined;
  dbPoolSize: number;
  refreshTokenExpireDays: number;
  bcryptCost: number;
  seedDemoUsers: boolean;
  bootstrapAdmin: { username: string; password: string } | undefined;
  loginLimits: { perIp: number; perUsername: number; windowSeconds: number };
  trustProxy: boolean | string[];
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): IdentityConfig {
  const raw = parseEnv(schema, source);
  const production = raw.NODE_ENV === 'production';
  const common = commonConfig(raw);
  if ((raw.ADMIN_USERNAME === undefined) !== (raw.ADMIN_PASSWORD === undefined)) {
    throw invalidConfiguration('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  return {
    ...common,
    databaseUrl: raw.DATABASE_URL,
    dbPoolSize: raw.DB_POOL_SIZE,
    refreshTokenExpireDays: raw.REFRESH_TOKEN_EXPIRE_DAYS,
    bcryptCost: raw.BCRYPT_COST,
    // compat: demo users exist by default outside production (the original's smoke test logs in as them).
    seedDemoUsers: raw.SEED_DEMO_USERS ?? !production,
    bootstrapAdmin:
      raw.ADMIN_USERNAME && raw.ADMIN_PASSWORD
        ? { username: raw.ADMIN_USERNAME, password: raw.ADMIN_PASSWORD }
        : undefined,
    loginLimits: {
      perIp: raw.LOGIN_MAX_PER_IP,
      perUsername: raw.LOGIN_MAX_PER_USERNAME,
      windowSeconds: raw.LOGIN_WINDOW_SECONDS,
    },
    trustProxy: raw.TRUST_PROXY,
  };
}
