// Access-token verification (HS256 only) and role guards, identical in every service.
import fastifyJwt from '@fastify/jwt';
import { createVerifier } from 'fast-jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { httpErrors } from './errors.js';
import type { RevocationList } from './revocation-list.js';

export const ROLES = ['committee', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Claims of an access token: compat with the original (sub = username, role, iat, exp) plus what
 * revocation needs: `uid`, the account's random id (a username registered again is another
 * account), `sid`, the login session (the refresh-token family), and `ver`, the account's token
 * version (raised on every role change).
 */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  uid: string;
  sid: string;
  ver: number;
  iat: number;
  exp: number;
}

/** The verified caller, available as `request.user` after `authenticate`. */
export interface AuthUser {
  username: string;
  role: Role;
  uid: string;
  sid: string;
  ver: number;
  /** The raw bearer token, forwarded as-is by the portal (never re-minted). */
  token: string;
}

/** What identity signs into a new access token. */
export interface TokenSubject {
  username: string;
  role: Role;
  uid: string;
  sid: string;
  ver: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Omit<AccessTokenClaims, 'iat' | 'exp'>;
    user: AuthUser;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The tokens identity revoked, consulted by every verification. */
    revocations: RevocationList;
    /** The configured access-token lifetime in minutes (TOKEN_EXPIRE_MINUTES). */
    tokenLifetimeMinutes: number;
    /** Verifies with JWT_SECRET_PREVIOUS while a secret is rotated; undefined otherwise. */
    previousSecretVerifier: ((token: string) => unknown) | undefined;
  }
}

export interface AuthOptions {
  secret: string;
  /** JWT_SECRET_PREVIOUS: tokens it signed are still accepted during a rotation; nothing is signed with it. */
  previousSecret?: string | undefined;
  /** Lifetime of signed access tokens, in minutes; also the oldest token any service accepts. */
  expiresInMinutes: number;
  revocations: RevocationList;
}

/**
 * How far the clocks of two services may disagree: a token may be this much older than the
 * lifetime, and its iat this much in the future. exp itself is exact (an expired token is refused
 * at once, as before), so fast-jwt's clockTolerance stays 0.
 */
export const CLOCK_TOLERANCE_SECONDS = 30;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
const isVersion = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

// compat: the exact 401 texts the original's clients show to people at the gate.
export const AUTH_MESSAGES = {
  missingHeader: 'Missing Authorization header',
  badScheme: "Invalid Authorization header format, expected 'Bearer <token>'",
  expired: 'Token expired',
  invalid: 'Invalid token',
  adminOnly: 'Admin only',
  supervisorOnly: 'Supervisor or admin only',
} as const;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Extracts the token from an Authorization header value; throws the compat 401s. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw httpErrors.unauthorized(AUTH_MESSAGES.missingHeader);
  const match = /^bearer\s+(\S+)\s*$/i.exec(header.trim());
  if (!match?.[1]) throw httpErrors.unauthorized(AUTH_MESSAGES.badScheme);
  return match[1];
}

/** The longest lifetime (exp - iat) a token may claim, in seconds, at a service configured with `minutes`. */
const longestLifetimeSeconds = (minutes: number) => minutes * 60 + CLOCK_TOLERANCE_SECONDS;

/**
 * Verifies a token's signature, algorithm, expiry, age and claims, and that identity has not
 * revoked it; returns the caller. Every failure but expiry is the compat "Invalid token".
 */
export function verifyAccessToken(app: FastifyInstance, token: string): AuthUser {
  let claims: AccessTokenClaims;
  try {
    claims = verifySignedClaims(app, token);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw httpErrors.unauthorized(code === 'FAST_JWT_EXPIRED' ? AUTH_MESSAGES.expired : AUTH_MESSAGES.invalid);
  }
  const { sub, role, uid, sid, ver, iat, exp } = claims;
  if (typeof sub !== 'string' || sub === '' || !isRole(role) || !isUuid(uid) || !isUuid(sid) || !isVersion(ver)) {
    throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
  }
  // fast-jwt's maxAge bounds the age from iat, but neither a lifetime that exp claims beyond the
  // configured one (exp in year 9999 with iat now) nor an iat in the future: both are ours.
  const now = Date.now() / 1000;
  if (
    typeof iat !== 'number' ||
    iat > now + CLOCK_TOLERANCE_SECONDS ||
    exp - iat > longestLifetimeSeconds(app.tokenLifetimeMinutes)
  ) {
    throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
  }
  if (app.revocations.isRevoked({ uid, sid, ver })) throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
  return { username: sub, role, uid, sid, ver, token };
}

/**
 * The claims of a token signed with JWT_SECRET, or, during a rotation, with JWT_SECRET_PREVIOUS:
 * only a signature that does not match the current secret is tried against the previous one, so
 * every other refusal (expired, malformed, a claim missing) is the current verifier's. Both cache.
 */
function verifySignedClaims(app: FastifyInstance, token: string): AccessTokenClaims {
  try {
    return app.jwt.verify<AccessTokenClaims>(token);
  } catch (error) {
    const previous = app.previousSecretVerifier;
    if (previous === undefined || (error as { code?: string }).code !== 'FAST_JWT_INVALID_SIGNATURE') throw error;
    return previous(token) as AccessTokenClaims;
  }
}

/** Signs an access token for `subject` (identity only: it owns the accounts). */
export function signAccessToken(app: FastifyInstance, subject: TokenSubject): string {
  return app.jwt.sign({
    sub: subject.username,
    role: subject.role,
    uid: subject.uid,
    sid: subject.sid,
    ver: subject.ver,
  });
}

/**
 * Registers @fastify/jwt pinned to HS256 with every claim required and a maxAge of the
 * configured lifetime (plus the clock tolerance), and the `authenticate` / `requireAdmin`
 * hooks. The verify cache is safe: fast-jwt caches a result only until the token's own expiry
 * or maximum age, and the revocation check runs after it on every request.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    app.decorate('revocations', options.revocations);
    app.decorate('tokenLifetimeMinutes', options.expiresInMinutes);
    const verify = {
      algorithms: ['HS256'] as ['HS256'],
      requiredClaims: ['sub', 'exp', 'iat', 'uid', 'sid', 'ver'],
      cache: 10_000,
    };
    // The previous secret gets a verifier of fast-jwt's own (the library under @fastify/jwt), with
    // the same rules; fast-jwt reads maxAge in milliseconds.
    app.decorate(
      'previousSecretVerifier',
      options.previousSecret === undefined
        ? undefined
        : createVerifier({
            ...verify,
            key: options.previousSecret,
            maxAge: longestLifetimeSeconds(options.expiresInMinutes) * 1000,
          }),
    );
    await app.register(fastifyJwt, {
      secret: options.secret,
      sign: { algorithm: 'HS256', expiresIn: options.expiresInMinutes * 60 },
      verify: {
        ...verify,
        // @fastify/jwt reads a number as seconds (as for expiresIn).
        maxAge: longestLifetimeSeconds(options.expiresInMinutes),
      },
      decode: { complete: false },
    });
  },
  { name: 'tixgo-auth' },
);

/** preHandler: the caller must present a valid Bearer token. */
export async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  request.user = verifyAccessToken(request.server, bearerToken(request.headers.authorization));
}

/** preHandler (after `authenticate`): the caller must be a supervisor or an admin (issue 16: undo, overrides). */
export async function requireSupervisor(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.user.role !== 'admin' && request.user.role !== 'supervisor') {
    throw httpErrors.forbidden(AUTH_MESSAGES.supervisorOnly);
  }
}

/** preHandler (after `authenticate`): the caller must be an admin. */
export async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.user.role !== 'admin') throw httpErrors.forbidden(AUTH_MESSAGES.adminOnly);
}
