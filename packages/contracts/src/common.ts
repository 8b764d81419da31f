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

// Spec: ids are opaque strings of 1-100 characters without control characters.
export const Id = z
  .string()
  .min(1)
  .max(100)
  .refine((value) => !hasControlCharacters(value), { message: 'must not contain control characters' });

/** A one-line text field (title, name, location) with a maximum length. */
export const line = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !hasControlCharacters(value), { message: 'must not contain control characters' });

/** A multi-line text field (a description): line breaks and tabs allowed. */
export const paragraph = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !hasControlCharacters(value, true), { message: 'must not contain control characters' });

export const IsoTime = z.string().describe('ISO-8601 UTC time');

export const ErrorBody = z.object({ detail: z.string() }).passthrough();

export const ValidationErrorBody = z.object({
  detail: z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() })),
});

export const MessageBody = z.object({ message: z.string() });
