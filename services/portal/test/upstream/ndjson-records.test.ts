// ndjsonRecords: attendance's NDJSON list becomes the records of a JSON array, byte for byte, whatever the chunking.
import { describe, expect, it } from 'vitest';
import { ndjsonRecords } from '../../src/upstream/ndjson-records.js';

async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let start = 0; start < bytes.length; start += size) yield Buffer.from(bytes.subarray(start, start + size));
}

async function arrayOf(text: string, size: number): Promise<{ head: unknown; json: string }> {
  const { head, records } = await ndjsonRecords(chunked(text, size));
  const parts: Buffer[] = [];
  for await (const part of records) parts.push(part);
  return { head, json: `[${Buffer.concat(parts).toString('utf8')}]` };
}

const RECORDS = [
  {
    checkin_id: 'c1',
    ticket_id: 'T-1',
    user_id: 'panitia1',
    checkin_time: '2026-12-01T10:00:00.000Z',
    location: 'Gerbang A',
  },
  {
    checkin_id: 'c2',
    ticket_id: 'Ünïcødé-😀',
    user_id: 'admin1',
    checkin_time: '2026-12-01T10:01:00.000Z',
    location: null,
  },
  {
    checkin_id: 'c3',
    ticket_id: 'line\nbreak',
    user_id: 'x',
    checkin_time: '2026-12-01T10:02:00.000Z',
    location: 'a,b',
  },
];
const HEAD = { event_id: 'ev', total_checked_in: 3 };
const NDJSON = `${[HEAD, ...RECORDS].map((value) => JSON.stringify(value)).join('\n')}\n`;

describe('ndjsonRecords', () => {
  it.each([1, 2, 3, 7, 64, 100_000])(
    'gives the head and exactly JSON.stringify of the records in chunks of %i bytes',
    async (size) => {
      const { head, json } = await arrayOf(NDJSON, size);
      expect(head).toEqual(HEAD);
      expect(json).toBe(JSON.stringify(RECORDS));
    },
  );

  it('gives no records for an empty list', async () => {
    const { head, json } = await arrayOf(`${JSON.stringify({ event_id: 'ev', total_checked_in: 0 })}\n`, 5);
    expect(head).toEqual({ event_id: 'ev', total_checked_in: 0 });
    expect(json).toBe('[]');
  });

  it('refuses a body that ends before its head line', async () => {
    await expect(ndjsonRecords(chunked('{"event_id":"ev"', 4))).rejects.toThrow('ended before its head line');
  });
});
