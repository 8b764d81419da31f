// Seeds events through attendance's public API (what an admin and the gates would do).
import { Pool } from 'undici';

export interface EventFields {
  title: string;
  location?: string;
  capacity?: number;
  start_time?: string;
}

/** A ticket to issue with its holder (the download benchmark sends names as a real import does). */
export interface TicketSeed {
  ticket_id: string;
  holder_name?: string;
}

export interface Seeder {
  /** Creates the event; with `allowExisting`, an existing one is kept (returns false). */
  createEvent(id: string, fields: EventFields, allowExisting?: boolean): Promise<boolean>;
  /** Deletes the event and its check-ins, if it exists. */
  deleteEvent(id: string): Promise<void>;
  /** Issues the given codes (or tickets with holders), or `count` generated ones; 10,000 per request (one transaction each). */
  issueTickets(eventId: string, tickets: (string | TicketSeed)[] | number): Promise<string[]>;
  /**
   * Checks in every ticket with `concurrency` parallel gates, ticket i as gate user i % the number
   * of gate tokens (attendance limits check-ins per user); a 429 waits its Retry-After and is
   * sent again. Returns how many got 201.
   */
  checkIn(
    eventId: string,
    ticketIds: string[],
    concurrency?: number,
    onProgress?: (done: number) => void,
  ): Promise<number>;
  /** The event's summary stats. */
  stats(eventId: string): Promise<unknown>;
  close(): Promise<void>;
}

const TICKET_BATCH = 10_000;

/** Tokens of `count` gate users, signed by `sign` (e.g. benchToken): what seeder() checks in with. */
export function gateTokens(count: number, sign: (username: string) => string): string[] {
  return Array.from({ length: count }, (_, index) => sign(`gate-${index}`));
}

export function seeder(baseUrl: string, adminToken: string, gates: string[], connections = 64): Seeder {
  if (gates.length === 0) throw new Error('seeder: at least one gate token');
  const pool = new Pool(baseUrl, { connections });
  const send = async (method: 'POST' | 'GET' | 'DELETE', path: string, token: string, body?: unknown) => {
    for (;;) {
      const answer = await sendOnce(method, path, token, body);
      if (answer.status !== 429) return answer;
      await new Promise((resolve) => setTimeout(resolve, Number(answer.retryAfter ?? 1) * 1000));
    }
  };
  const sendOnce = async (method: 'POST' | 'GET' | 'DELETE', path: string, token: string, body?: unknown) => {
    const response = await pool.request({
      method,
      path,
      headers:
        body === undefined
          ? { authorization: `Bearer ${token}` }
          : { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text, retryAfter: response.headers['retry-after'] as string | undefined };
  };
  const expect = (step: string, answer: { status: number; text: string }, ...wanted: number[]) => {
    if (!wanted.includes(answer.status)) throw new Error(`${step}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
    return answer;
  };
  const eventPath = (id: string) => `/events/${encodeURIComponent(id)}`;

  return {
    async createEvent(id, fields, allowExisting = false) {
      const answer = await send('POST', '/events', adminToken, { id, ...fields });
      return expect('create event', answer, 201, ...(allowExisting ? [409] : [])).status === 201;
    },
    async deleteEvent(id) {
      expect('delete event', await send('DELETE', `${eventPath(id)}?force=true`, adminToken), 200, 404);
    },
    async issueTickets(eventId, tickets) {
      const total = typeof tickets === 'number' ? tickets : tickets.length;
      const codes: string[] = [];
      for (let start = 0; start < total; start += TICKET_BATCH) {
        const body =
          typeof tickets === 'number'
            ? { count: Math.min(TICKET_BATCH, total - start) }
            : {
                tickets: tickets
                  .slice(start, start + TICKET_BATCH)
                  .map((ticket) => (typeof ticket === 'string' ? { ticket_id: ticket } : ticket)),
              };
        const answer = expect(
          'issue tickets',
          await send('POST', `${eventPath(eventId)}/tickets`, adminToken, body),
          201,
        );
        codes.push(
          ...(JSON.parse(answer.text) as { tickets: { ticket_id: string }[] }).tickets.map((t) => t.ticket_id),
        );
      }
      return codes;
    },
    async checkIn(eventId, ticketIds, concurrency = 32, onProgress) {
      let next = 0;
      let created = 0;
      const gate = async () => {
        while (next < ticketIds.length) {
          const index = next++;
          const ticket = ticketIds[index] as string;
          const { status } = await send('POST', '/checkins', gates[index % gates.length] as string, {
            event_id: eventId,
            ticket_id: ticket,
            location: 'Gate A',
          });
          if (status === 201) created++;
          if (onProgress && created % 10_000 === 0) onProgress(created);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, gate));
      return created;
    },
    async stats(eventId) {
      const answer = expect(
        'summary',
        await send('GET', `${eventPath(eventId)}/summary?limit=0`, gates[0] as string),
        200,
      );
      return (JSON.parse(answer.text) as { stats: unknown }).stats;
    },
    close: () => pool.close(),
  };
}
