// Bodies of the identity API (spec: identity), shared by identity and the portal.
import { z } from 'zod';
import { hasControlCharacters, IsoTime } from './common.js';

export const Username = z
  .string()
  .min(3)
  .max(50)
  .refine((value) => !hasControlCharacters(value), { message: 'must not contain control characters' });

export const Password = z.string().min(4).max(200);

export const RoleName = z.enum(['committee', 'admin']);

// compat: an unknown role is a 400 decided by the handler (after trimming and lower-casing),
// not a 422, so the schema only requires a string here.
export const RegisterBody = z.object({
  username: Username,
  password: Password,
  role: z.string().max(50).optional(),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const UserOut = z.object({ username: z.string(), role: RoleName });
export type UserOut = z.infer<typeof UserOut>;

export const UserDetail = UserOut.extend({ created_at: IsoTime });
export type UserDetail = z.infer<typeof UserDetail>;

export const UserList = z.object({ users: z.array(UserDetail) });

// Login accepts any string so that a wrong length answers 401, never a hint about the rules.
export const LoginBody = z.object({
  username: z.string().max(200),
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

export const UsernameParams = z.object({ username: z.string().min(1).max(200) });
