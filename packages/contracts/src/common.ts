// Schemas shared by every API: ids, free text, times, the error bodies.
import { z } from 'zod';

/** True when `value` holds a C0/C1 control character (tab and newlines too unless allowed). */
export function hasControlCharacters(value: string, allowLineBreaks = false): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    const isControl = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    if (isControl && !(allowLineBreaks && (code === 0x09 || code === 0x0a || code === 0x0d))) return true;
  }
  return false;
}

/**
 * Text a client sent that is not Unicode: a lone UTF-16 surrogate (JSON's "\ud800") cannot be
 * stored as UTF-8, and node-postgres would silently write U+FFFD in its place instead.
 */
const WELL_FORMED = { message: 'must be valid Unicode text (no lone surrogates)', params: { reason: 'not_unicode' } };
const isWellFormed = (value: string) => value.isWellFormed();

/**
 * A refinement's message, with a `reason` that 422 items carry in `ctx` (FastAPI's place for an error's
 * parameters), so a client can word the problem in its own language.
 */
export const refusal = (message: string, reason: string) => ({ message, params: { reason } });

const NO_CONTROL_CHARACTERS = refusal('must not contain control characters', 'control_characters');

// Spec: ids are opaque strings of 1-100 characters without control characters. "." and ".." are
// refused too: an id becomes a path segment (/events/{id}), where they would mean "this" and
// "the parent" to every URL resolver between a browser and the service.
export const Id = z
  .string()
  .min(1)
  .max(100)
  .refine((value) => !hasControlCharacters(value), NO_CONTROL_CHARACTERS)
  .refine(isWellFormed, WELL_FORMED)
  .refine((value) => value !== '.' && value !== '..', refusal('must not be "." or ".."', 'dot_segment'));

/**
 * compat: the original's clients send numeric codes as JSON numbers (`"ticket_id": 123`), and the
 * original takes an integer for a string field as its decimal string. Only a safe integer is: a
 * boolean, a fraction, an object or an array stays a 422 as before (and an integer past 2^53 too,
 * whose digits JSON.parse has already lost).
 */
export const integerAsDecimalString = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value), schema);

/** An id in a request body: an Id, or (compat) an integer taken as its decimal string. */
export const BodyId = integerAsDecimalString(Id);

/** A one-line text field (title, name, location) with a maximum length. */
export const line = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !hasControlCharacters(value), NO_CONTROL_CHARACTERS)
    .refine(isWellFormed, WELL_FORMED);

/** A multi-line text field (a description): line breaks and tabs allowed. */
export const paragraph = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !hasControlCharacters(value, true), NO_CONTROL_CHARACTERS)
    .refine(isWellFormed, WELL_FORMED);

export const IsoTime = z.string().describe('ISO-8601 UTC time');

/**
 * A request id a client may choose (the X-Request-Id header; a check-in batch item's request_id): a
 * bounded run of printable ASCII. Anything else would be logged and forwarded as sent — megabytes,
 * or bytes that forge log lines.
 */
export const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

export const RequestId = z
  .string()
  .regex(REQUEST_ID_PATTERN, 'must be 1-128 printable ASCII characters without spaces');

export const ErrorBody = z.object({ detail: z.string() }).passthrough();

export const ValidationErrorBody = z.object({
  detail: z.array(
    z.object({
      loc: z.array(z.union([z.string(), z.number()])),
      msg: z.string(),
      type: z.string(),
      ctx: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    }),
  ),
});

export const MessageBody = z.object({ message: z.string() });
