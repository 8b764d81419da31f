// The gate's rules as a pure function (issue 16): the server and the offline station decide with it.
import { describe, expect, it } from 'vitest';
import {
  decideScan,
  type GateList,
  type GateTicket,
  MAIN_LIST,
  NO_PASS,
  refusalDetail,
  refusalStatus,
} from '../src/gate-rules.js';

const NOON = Date.UTC(2026, 11, 6, 12);
const ticket: GateTicket = { isValid: true, type: null, cancelled: null };
const vip: GateList = {
  id: 'vip',
  reentry: true,
  capacity: 2,
  ticketTypes: ['VIP'],
  opensAt: NOON - 3_600_000,
  closesAt: NOON + 3_600_000,
};
const vipTicket: GateTicket = { ...ticket, type: 'VIP' };
const entry = { direction: 'entry' as const, at: NOON, role: 'committee' };
const exit = { direction: 'exit' as const, at: NOON, role: 'committee' };

describe('decideScan', () => {
  it('admits a valid ticket once on main, and refuses it as already used after', () => {
    expect(decideScan(ticket, NO_PASS, MAIN_LIST, 0, entry)).toEqual({ verdict: 'admit', overridden: false });
    expect(decideScan(ticket, { entries: 1, isInside: true }, MAIN_LIST, 1, entry)).toEqual({
      verdict: 'refuse',
      reason: 'already-used',
    });
    // Out again, main still admits no one twice.
    expect(decideScan(ticket, { entries: 1, isInside: false }, MAIN_LIST, 0, entry)).toMatchObject({
      reason: 'already-used',
    });
  });

  it('refuses a code the event does not take (404) and a cancelled ticket (409), but lets a cancelled one out', () => {
    const unknown = decideScan({ ...ticket, isValid: false }, NO_PASS, MAIN_LIST, 0, entry);
    expect(unknown).toEqual({ verdict: 'refuse', reason: 'not-issued' });
    expect(refusalStatus('not-issued')).toBe(404);
    const cancelled = { ...ticket, cancelled: { reason: 'refunded' } };
    expect(decideScan(cancelled, NO_PASS, MAIN_LIST, 0, entry)).toEqual({ verdict: 'refuse', reason: 'cancelled' });
    expect(refusalStatus('cancelled')).toBe(409);
    expect(decideScan(cancelled, { entries: 1, isInside: true }, MAIN_LIST, 1, exit)).toEqual({ verdict: 'exit' });
  });

  it('re-admits after an exit only where the list allows re-entry', () => {
    const out = { entries: 1, isInside: false };
    expect(decideScan(vipTicket, out, vip, 0, entry)).toEqual({ verdict: 'admit', overridden: false });
    expect(decideScan(vipTicket, { entries: 1, isInside: true }, vip, 1, entry)).toEqual({
      verdict: 'refuse',
      reason: 'already-inside',
    });
    expect(decideScan(vipTicket, NO_PASS, vip, 0, exit)).toEqual({ verdict: 'refuse', reason: 'not-inside' });
  });

  it('refuses other ticket types and scans outside the time window, saying why', () => {
    expect(decideScan(ticket, NO_PASS, vip, 0, entry)).toMatchObject({ reason: 'wrong-type' });
    expect(decideScan({ ...ticket, type: 'REG' }, NO_PASS, vip, 0, entry)).toMatchObject({ reason: 'wrong-type' });
    expect(refusalDetail('wrong-type', { type: 'REG' })).toBe('Ticket type REG may not enter this list');
    expect(decideScan(vipTicket, NO_PASS, vip, 0, { ...entry, at: NOON - 3_600_001 })).toMatchObject({
      reason: 'not-open',
    });
    expect(decideScan(vipTicket, NO_PASS, vip, 0, { ...entry, at: NOON + 3_600_000 })).toMatchObject({
      reason: 'closed',
    });
  });

  it('refuses entry to a full list unless a supervisor or an admin overrides', () => {
    expect(decideScan(vipTicket, NO_PASS, vip, 2, entry)).toEqual({ verdict: 'refuse', reason: 'full' });
    expect(refusalDetail('full', { capacity: 2 })).toBe('The area is full (2 inside)');
    expect(decideScan(vipTicket, NO_PASS, vip, 2, { ...entry, override: true })).toMatchObject({ reason: 'full' });
    for (const role of ['supervisor', 'admin']) {
      expect(decideScan(vipTicket, NO_PASS, vip, 2, { ...entry, role, override: true })).toEqual({
        verdict: 'admit',
        overridden: true,
      });
    }
    // Room left: an override changes nothing.
    expect(decideScan(vipTicket, NO_PASS, vip, 1, { ...entry, role: 'admin', override: true })).toEqual({
      verdict: 'admit',
      overridden: false,
    });
  });
});
