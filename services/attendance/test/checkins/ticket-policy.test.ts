// The ticket rule as a pure function: which codes an event accepts.
import { describe, expect, it } from 'vitest';
import { judgeTicket } from '../../src/checkins/ticket-policy.js';

describe('judgeTicket', () => {
  it.each([
    // registered, has tickets, issued, require registered -> verdict
    [true, true, true, false, 'accept'],
    [true, true, false, false, 'ticket-not-found'],
    [true, false, false, false, 'accept'],
    [false, false, false, false, 'accept'],
    [false, false, false, true, 'event-not-found'],
    [true, true, false, true, 'ticket-not-found'],
    [true, false, false, true, 'accept'],
  ] as const)(
    'registered=%s hasTickets=%s issued=%s require=%s -> %s',
    (isRegistered, hasTickets, isIssued, require, verdict) => {
      expect(judgeTicket({ isRegistered, hasTickets, isIssued }, require)).toBe(verdict);
    },
  );
});
