// Generated ticket codes: unguessable (crypto random) and easy to read aloud or type at the gate.
import { randomBytes } from 'node:crypto';

// 32 symbols without 0/O and 1/I, which people mix up when they type a code from paper.
// 32 is a power of two, so 5 random bits pick a symbol without modulo bias.
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** 12 symbols = 60 random bits: guessing one valid code among 100k takes ~10^13 tries. */
export const CODE_LENGTH = 12;

/** `count` distinct random codes. */
export function generateTicketCodes(count: number, length = CODE_LENGTH): string[] {
  const codes = new Set<string>();
  while (codes.size < count) {
    const missing = count - codes.size;
    const bytes = randomBytes(missing * length);
    for (let index = 0; index < missing; index++) {
      let code = '';
      for (let position = 0; position < length; position++) {
        code += CODE_ALPHABET[(bytes[index * length + position] as number) & 31];
      }
      codes.add(code);
    }
  }
  return [...codes];
}
