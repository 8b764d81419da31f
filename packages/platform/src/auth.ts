// Access-token verification (HS256 only) and role guards, identical in every service.
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { httpErrors } from './errors.js';

export const ROLES = ['committee', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Claims of an access token (compat with the original: sub, role, iat, exp). */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  iat?: number;
  exp?: number;
}

/** The verified caller, available as `request.user` after `authenticate`. */
export interface AuthUser {
  username: string;
  role: Role;
  /** The raw bearer token, forwarded as-is by the portal (never re-minted). */
  token: string;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims;
    user: AuthUser;
  }
}

export interface AuthOptions {
  secret: string;
  /** Lifetime of signed access tokens, in minutes. */
  expiresInMinutes: number;
}

// compat: the exact 401 texts the original's clients show to people at the gate.
export const AUTH_MESSAGES = {
  missingHeader: 'Missing Authorization header',
  badScheme: "Invalid Authorization header format, expected 'Bearer <token>'",
  expired: 'Token expired',
  invalid: 'Invalid token',
  adminOnly: 'Admin only',
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

/** Verifies a token's signature, algorithm, expiry and claims; returns the caller. */
export function verifyAccessToken(app: FastifyInstance, token: string): AuthUser {
  let claims: AccessTokenClaims;
  try {
    claims = app.jwt.verify<AccessTokenClaims>(token);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw httpErrors.unauthorized(code === 'FAST_JWT_EXPIRED' ? AUTH_MESSAGES.expired : AUTH_MESSAGES.invalid);
  }
  if (typeof claims.sub !== 'string' || claims.sub === '' || !isRole(claims.role)) {
    throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
  }
  return { username: claims.sub, role: claims.role, token };
}

/** Signs an access token for `username` with `role`. */
export function signAccessToken(app: FastifyInstance, username: string, role: Role): string {
  return app.jwt.sign({ sub: username, role });
}

/**
 * Registers @fastify/jwt pinned to HS256 with required sub/exp, and the
 * `authenticate` / `requireAdmin` hooks. The verify cache is safe: fast-jwt caches a
 * result only until the token's own expiry.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    await app.register(fastifyJwt, {
      secret: options.secret,
      sign: { algorithm: 'HS256', expiresIn: options.expiresInMinutes * 60 },
      verify: { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'], cache: 10_000 },
      decode: { complete: false },
    });
  },
  { name: 'tixgo-auth' },
);

/** preHandler: the caller must present a valid Bearer token. */
export async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  request.user = verifyAccessToken(request.server, bearerToken(request.headers.authorization));
}

/** preHandler (after `authenticate`): the caller must be an admin. */
export async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.user.role !== 'admin') throw httpErrors.forbidden(AUTH_MESSAGES.adminOnly);
}
