// A time at the gate as the event page shows it: the time of day for today's, with the day for another day's. Pure.

/**
 * Issue 15, item 12: a back-dated scan showed as "10.30" beside today's, looking like the first
 * admission of the day. `locale`: the page's ('id-ID', 'en-GB'); `now` decides what "today" is.
 */
export function gateTimeText(iso: string, locale: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const isToday = at.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = isToday
    ? { hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale, options).format(at);
}
