// A time at the gate on the event page: the time of day for today's, with the day for another day's (issue 15, item 12).
import { describe, expect, it } from 'vitest';
import { gateTimeText } from '../../web/src/i18n/gate-time.js';

describe('gateTimeText', () => {
  const now = new Date(2026, 11, 6, 15, 0);

  it('shows a scan of today as its time of day only', () => {
    const today = new Date(2026, 11, 6, 10, 30).toISOString();
    expect(gateTimeText(today, 'en-GB', now)).toBe('10:30');
  });

  it('shows a back-dated scan with its day, in both languages', () => {
    const earlier = new Date(2026, 11, 3, 10, 30).toISOString();
    expect(gateTimeText(earlier, 'en-GB', now)).toMatch(/^3 Dec,? 10:30$/);
    expect(gateTimeText(earlier, 'id-ID', now)).toMatch(/^3 Des,? 10[.:]30$/);
  });
});
