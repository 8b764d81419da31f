// Bodies of the identity API (spec: identity), shared by identity and the portal.
import { z } from 'zod';
import { hasControlCharacters, IsoTime, integerAsDecimalString } from './common.js';

/**
 * How a username is compared and stored: Unicode NFKC (full-width and other compatibility forms
 * become their plain letters), then trimmed. Login applies the same before its lookup.
 */
export function normalizeUsername(value: string): string {
  return value.normalize('NFKC').trim();
}

/**
 * What a new username may hold after normalisation: ASCII letters, digits and . _ - @. Anything
 * else could look like another user's name at the gate ("checked in by panitia1"): a Cyrillic а,
 * a zero-width space, a trailing space.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]+$/;

export const Username = z
  .string()
  .normalize('NFKC')
  .trim()
  .min(3)
  .max(50)
  // One message per name, control characters first (they are outside the pattern too).
  .superRefine((value, context) => {
    if (hasControlCharacters(value))
      context.addIssue({
        code: 'custom',
        message: 'must not contain control characters',
        params: { reason: 'control_characters' },
      });
    else if (!USERNAME_PATTERN.test(value))
      context.addIssue({
        code: 'custom',
        message: 'may contain only ASCII letters, digits and . _ - @',
        params: { reason: 'username_characters' },
      });
  })
  .describe('3-50 characters after NFKC normalisation and trimming: ASCII letters, digits and . _ - @');

export const Password = z.string().min(4).max(200);

/** compat: what self-registration (POST /auth/register) takes. */
export const RoleName = z.enum(['committee', 'admin']);

/**
 * Every role an account may have (issue 16): `supervisor`, between committee and admin (undoes check-ins,
 * overrides a full area, resolves conflicts), is given by an admin (PATCH /auth/users/{username}) only.
 */
export const AccountRole = z.enum(['committee', 'supervisor', 'admin']);
export type AccountRole = z.infer<typeof AccountRole>;

// compat: an unknown role is a 400 decided by the handler (after trimming and lower-casing),
// not a 422, so the schema only requires a string here.
export const RegisterBody = z.object({
  // compat: an integer username (123) is registered as "123", as the original does.
  username: integerAsDecimalString(Username),
  password: Password,
  role: z.string().max(50).optional(),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const UserOut = z.object({ username: z.string(), role: AccountRole });
export type UserOut = z.infer<typeof UserOut>;

export const UserDetail = UserOut.extend({ created_at: IsoTime });
export type UserDetail = z.infer<typeof UserDetail>;

export const UserList = z.object({ users: z.array(UserDetail) });

// Login accepts any string so that a wrong length answers 401, never a hint about the rules.
export const LoginBody = z.object({
  username: integerAsDecimalString(z.string().max(200)),
  password: z.string().max(1000),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const TokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().describe('access token lifetime in seconds'),
  refresh_token: z.string(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const RefreshBody = z.object({ refresh_token: z.string().min(1).max(512) });
export type RefreshBody = z.infer<typeof RefreshBody>;

export const UpdateUserBody = z.object({ role: z.string().max(50) });

/**
 * 200 of GET /auth/settings (new, public): what a sign-in page needs to know before anyone signs in.
 * `registration_open`: POST /auth/register creates a committee account without an admin's token.
 */
export const AuthSettings = z.object({ registration_open: z.boolean() });
export type AuthSettings = z.infer<typeof AuthSettings>;

export const UsernameParams = z.object({ username: z.string().min(1).max(200) });

/**
 * One entry of identity's revocation feed: every token of `uid` older than version `min_ver` (its
 * role changed), every token of a deleted account, or every token of one login session `sid`.
 * Opaque random ids only: no username, no role.
 */
export const RevocationEntry = z.union([
  z.object({ uid: z.uuid(), min_ver: z.number().int().nonnegative() }),
  z.object({ uid: z.uuid(), deleted: z.literal(true) }),
  z.object({ sid: z.uuid() }),
]);
export type RevocationEntry = z.infer<typeof RevocationEntry>;

export const RevocationFeed = z.object({ revocations: z.array(RevocationEntry) });
export type RevocationFeed = z.infer<typeof RevocationFeed>;

/** PUT /auth/users/{username}/password (new): an admin sets a member's new password. */
export const ResetPasswordBody = z.object({ password: Password }).strict();
export type ResetPasswordBody = z.infer<typeof ResetPasswordBody>;
