// Seeds events through attendance's public API (what an admin and the gates would do).
import { Pool } from 'undici';

export interface Seeder {
  createEvent(id: string, title: string): Promise<void>;
  issueTickets(eventId: string, ticketIds: string[]): Promise<void>;
  /** Checks in every ticket with `concurrency` parallel requests; returns how many got 201. */
  checkIn(
    eventId: string,
    ticketIds: string[],
    concurrency?: number,
    onProgress?: (done: number) => void,
  ): Promise<number>;
  close(): Promise<void>;
}

export function seeder(baseUrl: string, adminToken: string, committeeToken: string): Seeder {
  const pool = new Pool(baseUrl, { connections: 64 });
  const send = async (method: 'POST' | 'GET', path: string, token: string, body?: unknown) => {
    const response = await pool.request({
      method,
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text };
  };
  return {
    async createEvent(id, title) {
      const { status, text } = await send('POST', '/events', adminToken, { id, title, location: 'Bench hall' });
      if (status !== 201) throw new Error(`create event: ${status} ${text}`);
    },
    async issueTickets(eventId, ticketIds) {
      for (let start = 0; start < ticketIds.length; start += 10_000) {
        const batch = ticketIds.slice(start, start + 10_000).map((ticket_id) => ({ ticket_id }));
        const { status, text } = await send('POST', `/events/${encodeURIComponent(eventId)}/tickets`, adminToken, {
          tickets: batch,
        });
        if (status !== 201) throw new Error(`issue tickets: ${status} ${text.slice(0, 300)}`);
      }
    },
    async checkIn(eventId, ticketIds, concurrency = 32, onProgress) {
      let next = 0;
      let created = 0;
      const worker = async () => {
        while (next < ticketIds.length) {
          const ticket = ticketIds[next++] as string;
          const { status } = await send('POST', '/checkins', committeeToken, { event_id: eventId, ticket_id: ticket });
          if (status === 201) created++;
          if (onProgress && created % 10_000 === 0) onProgress(created);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return created;
    },
    close: () => pool.close(),
  };
}
