// Hand-made JWTs (base64url header.payload + a signature from node:crypto) for hostile-token tests,
// so the tests exercise the verifier itself rather than a library that would refuse to sign them.
import { createHash, createHmac, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const HMAC_HASHES = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/** Signs `payload` with HMAC under `secret`, whatever `header.alg` says (for alg-confusion cases). */
export function forgeHmacToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string,
  hash: keyof typeof HMAC_HASHES = 'HS256',
): string {
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = createHmac(HMAC_HASHES[hash], secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** A token signed with a fresh RSA key (RS256), which an HS256-only verifier must refuse. */
export function forgeRs256Token(payload: Record<string, unknown>): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** An unsigned token: header alg "none" and an empty signature. */
export function forgeUnsignedToken(payload: Record<string, unknown>): string {
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

const now = () => Math.floor(Date.now() / 1000);

/** A stable account id for `username` (a UUID made from its hash), so every token of one test user agrees. */
export function uidFor(username: string): string {
  const hex = createHash('sha256').update(`tixgo-test-uid:${username}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Valid claims for `sub` with `role`, 15 minutes left (within every service's configured lifetime):
 * uid from uidFor(sub), a fresh session id, token version 0; `extra` overrides any of them.
 */
export function claims(
  sub = 'panitia1',
  role = 'committee',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { sub, role, uid: uidFor(sub), sid: randomUUID(), ver: 0, iat: now(), exp: now() + 900, ...extra };
}

/** A correctly signed HS256 token with the given claims. */
export function validToken(secret: string, payload: Record<string, unknown> = claims()): string {
  return forgeHmacToken({ alg: 'HS256', typ: 'JWT' }, payload, secret);
}

export interface HostileCase {
  name: string;
  /** The Authorization header to send; undefined means no header at all. */
  authorization: string | undefined;
  detail: string;
}

/**
 * Every 401 the spec lists for a protected route (spec: shared rules, tokens and auth header
 * messages), with the exact message expected. `secret` is the service's JWT_SECRET.
 */
export function unauthorizedCases(secret: string): HostileCase[] {
  const expectedFormat = "Invalid Authorization header format, expected 'Bearer <token>'";
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const good = claims();
  const [header, payload, signature] = validToken(secret).split('.') as [string, string, string];
  const tamperedPayload = encode({ ...good, role: 'admin' });
  const { sub: _sub, ...withoutSub } = good;
  const { exp: _exp, ...withoutExp } = good;
  const { iat: _iat, ...withoutIat } = good;
  const { uid: _uid, ...withoutUid } = good;
  const { sid: _sid, ...withoutSid } = good;
  const { ver: _ver, ...withoutVer } = good;
  const signed = (payload: Record<string, unknown>) => `Bearer ${forgeHmacToken(hs256, payload, secret)}`;
  return [
    { name: 'no Authorization header', authorization: undefined, detail: 'Missing Authorization header' },
    { name: 'an empty Authorization header', authorization: '', detail: 'Missing Authorization header' },
    { name: 'the Token scheme', authorization: `Token ${validToken(secret)}`, detail: expectedFormat },
    { name: 'Bearer without a token', authorization: 'Bearer', detail: expectedFormat },
    { name: 'Bearer followed by spaces only', authorization: 'Bearer    ', detail: expectedFormat },
    { name: 'Basic credentials', authorization: 'Basic cGFuaXRpYTE6c2VjcmV0', detail: expectedFormat },
    { name: 'a bare token without a scheme', authorization: validToken(secret), detail: expectedFormat },
    { name: 'two tokens after Bearer', authorization: `Bearer ${validToken(secret)} extra`, detail: expectedFormat },
    {
      name: 'an expired token',
      authorization: `Bearer ${validToken(secret, { ...good, iat: now() - 7200, exp: now() - 60 })}`,
      detail: 'Token expired',
    },
    { name: 'an alg none token', authorization: `Bearer ${forgeUnsignedToken(good)}`, detail: 'Invalid token' },
    {
      name: 'an alg none token carrying a valid HS256 signature',
      authorization: `Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`,
      detail: 'Invalid token',
    },
    {
      name: 'an HS512 token signed with the right secret',
      authorization: `Bearer ${forgeHmacToken({ alg: 'HS512', typ: 'JWT' }, good, secret, 'HS512')}`,
      detail: 'Invalid token',
    },
    {
      name: 'an HS384 token signed with the right secret',
      authorization: `Bearer ${forgeHmacToken({ alg: 'HS384', typ: 'JWT' }, good, secret, 'HS384')}`,
      detail: 'Invalid token',
    },
    { name: 'an RS256 token', authorization: `Bearer ${forgeRs256Token(good)}`, detail: 'Invalid token' },
    {
      name: 'an RS256 header over an HMAC signature made with the secret',
      authorization: `Bearer ${forgeHmacToken({ alg: 'RS256', typ: 'JWT' }, good, secret)}`,
      detail: 'Invalid token',
    },
    {
      name: 'a token signed with another secret',
      authorization: `Bearer ${validToken('another-secret-that-is-at-least-32-bytes-long')}`,
      detail: 'Invalid token',
    },
    {
      name: 'a tampered payload (role raised to admin)',
      authorization: `Bearer ${header}.${tamperedPayload}.${signature}`,
      detail: 'Invalid token',
    },
    {
      name: 'a token without sub',
      authorization: `Bearer ${forgeHmacToken(hs256, withoutSub, secret)}`,
      detail: 'Invalid token',
    },
    {
      name: 'a token with an empty sub',
      authorization: `Bearer ${forgeHmacToken(hs256, { ...good, sub: '' }, secret)}`,
      detail: 'Invalid token',
    },
    {
      name: 'a token whose sub is a number',
      authorization: `Bearer ${forgeHmacToken(hs256, { ...good, sub: 42 }, secret)}`,
      detail: 'Invalid token',
    },
    {
      name: 'a token without exp',
      authorization: `Bearer ${forgeHmacToken(hs256, withoutExp, secret)}`,
      detail: 'Invalid token',
    },
    {
      name: 'a token with an unknown role',
      authorization: `Bearer ${forgeHmacToken(hs256, { ...good, role: 'root' }, secret)}`,
      detail: 'Invalid token',
    },
    {
      name: 'a token that is not valid until later (nbf)',
      authorization: `Bearer ${forgeHmacToken(hs256, { ...good, nbf: now() + 3600 }, secret)}`,
      detail: 'Invalid token',
    },
    // The claims revocation needs (uid, sid, ver) and the token's age (iat) are required too.
    { name: 'a token without iat', authorization: signed(withoutIat), detail: 'Invalid token' },
    { name: 'a token without uid', authorization: signed(withoutUid), detail: 'Invalid token' },
    { name: 'a token without sid', authorization: signed(withoutSid), detail: 'Invalid token' },
    { name: 'a token without ver', authorization: signed(withoutVer), detail: 'Invalid token' },
    {
      name: 'a token whose uid is not a UUID',
      authorization: signed({ ...good, uid: 'panitia1' }),
      detail: 'Invalid token',
    },
    { name: 'a token whose sid is a number', authorization: signed({ ...good, sid: 7 }), detail: 'Invalid token' },
    { name: 'a token whose ver is negative', authorization: signed({ ...good, ver: -1 }), detail: 'Invalid token' },
    { name: 'a token whose ver is a string', authorization: signed({ ...good, ver: '0' }), detail: 'Invalid token' },
    {
      name: 'a token whose iat is a string',
      authorization: signed({ ...good, iat: String(now()) }),
      detail: 'Invalid token',
    },
    // No maximum age before: a token that claims to live until year 9999, or was issued in the future.
    {
      name: 'a token whose exp is in year 9999',
      authorization: signed({ ...good, exp: Math.floor(Date.UTC(9999, 0, 1) / 1000) }),
      detail: 'Invalid token',
    },
    {
      name: 'a token issued an hour in the future',
      authorization: signed({ ...good, iat: now() + 3600, exp: now() + 4500 }),
      detail: 'Invalid token',
    },
    {
      name: 'a token issued 3 days ago that has not expired (older than the lifetime allows)',
      authorization: signed({ ...good, iat: now() - 3 * 86400, exp: now() + 900 }),
      detail: 'Token expired',
    },
    { name: 'garbage after Bearer', authorization: 'Bearer not.a.jwt', detail: 'Invalid token' },
    { name: 'a token of one segment', authorization: 'Bearer abc', detail: 'Invalid token' },
    {
      name: 'a token without its signature',
      authorization: `Bearer ${header}.${payload}.`,
      detail: 'Invalid token',
    },
  ];
}
