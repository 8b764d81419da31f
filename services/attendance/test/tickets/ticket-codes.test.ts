// Generated ticket codes: length, alphabet, distinctness.
import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, CODE_LENGTH, generateTicketCodes } from '../../src/tickets/ticket-codes.js';

describe('generateTicketCodes', () => {
  it('uses 32 symbols without 0, O, 1 or I', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    for (const confusing of ['0', 'O', '1', 'I']) expect(CODE_ALPHABET).not.toContain(confusing);
  });

  it('generates the requested number of distinct codes of at least 10 characters', () => {
    const codes = generateTicketCodes(20_000);
    expect(codes).toHaveLength(20_000);
    expect(new Set(codes).size).toBe(20_000);
    expect(CODE_LENGTH).toBeGreaterThanOrEqual(10);
    for (const code of codes.slice(0, 1000)) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{12}$/);
  });

  it('uses every symbol of the alphabet (no modulo bias leaving some out)', () => {
    const used = new Set(generateTicketCodes(500).join(''));
    expect(used.size).toBe(32);
  });
});
