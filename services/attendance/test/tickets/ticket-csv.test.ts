// Reading a ticket CSV as it streams in: columns, empty cells, 422s that name the line, and the row limit.
import { Readable } from 'node:stream';
import { MAX_TICKETS_PER_REQUEST } from '@tixgo/contracts';
import { describe, expect, it } from 'vitest';
import { HeaderLineScanner, readTicketCsv } from '../../src/tickets/ticket-csv.js';

/** The upload in chunks of `chunk` bytes, as a request stream delivers it. */
const upload = (csv: string, chunk = 7) => {
  const bytes = Buffer.from(csv);
  return Readable.from(
    Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk)),
  );
};
const parseTicketCsv = (csv: string) => readTicketCsv(upload(csv));

const errorOf = async (csv: string | Readable) => {
  try {
    await readTicketCsv(typeof csv === 'string' ? upload(csv) : csv);
  } catch (error) {
    return error as { statusCode: number; items: { loc: (string | number)[]; msg: string }[] };
  }
  throw new Error('expected a 422');
};

describe('readTicketCsv', () => {
  it('reads the three columns; empty cells are "not given"', async () => {
    expect(await parseTicketCsv('ticket_id,holder_name,holder_email\nA,Ani,a@x.id\n,Budi,\n')).toEqual([
      { ticket_id: 'A', holder_name: 'Ani', holder_email: 'a@x.id' },
      { holder_name: 'Budi' },
    ]);
  });

  it('matches header names in any letter case and skips blank lines', async () => {
    expect(await parseTicketCsv('Ticket_ID\n\nA\n\nB\n')).toEqual([{ ticket_id: 'A' }, { ticket_id: 'B' }]);
  });

  it('names every bad line, up to 20 of them', async () => {
    const rows = Array.from({ length: 30 }, () => `${'x'.repeat(101)}`);
    const error = await errorOf(`ticket_id\n${rows.join('\n')}\n`);
    expect(error.statusCode).toBe(422);
    expect(error.items).toHaveLength(20);
    expect(error.items[0]?.loc).toEqual(['body', 2, 'ticket_id']);
    expect(error.items[19]?.msg).toBe('line 21, ticket_id: at most 100 characters');
  });

  it('rejects a repeated column and an empty file', async () => {
    expect((await errorOf('ticket_id,ticket_id\nA,B\n')).items[0]?.msg).toBe(
      'line 1: header must name distinct columns among ticket_id, holder_name, holder_email, type, note; ticket_id appears more than once',
    );
    expect((await errorOf('')).items[0]?.msg).toMatch(/^line 1: empty file/);
  });

  it('stops at the first line past the row limit, naming it, without reading the rest of the upload', async () => {
    let served = 0;
    // An endless upload of valid lines: only a reader that stops at the limit ever returns.
    const endless = new Readable({
      read() {
        const lines = Array.from({ length: 1000 }, () => `T-${served++}\n`).join('');
        this.push(served === 1000 ? `ticket_id\n${lines}` : lines);
      },
    });
    const error = await errorOf(endless);
    expect(error.statusCode).toBe(422);
    expect(error.items).toEqual([
      {
        loc: ['body', MAX_TICKETS_PER_REQUEST + 2],
        msg: `line ${MAX_TICKETS_PER_REQUEST + 2}: at most ${MAX_TICKETS_PER_REQUEST} tickets per request`,
        type: 'csv_too_many',
        ctx: { maximum: MAX_TICKETS_PER_REQUEST },
      },
    ]);
    expect(served).toBeLessThan(MAX_TICKETS_PER_REQUEST + 50_000);
    expect(endless.destroyed).toBe(true);
  });

  it('refuses a line longer than any ticket needs (an unclosed quote) instead of holding the rest of the upload', async () => {
    const error = await errorOf(`ticket_id,holder_name\nA,"${'x'.repeat(200_000)}`);
    expect(error.statusCode).toBe(422);
    expect(error.items[0]?.loc).toEqual(['body', 2]);
    expect(error.items[0]?.msg).toBe('line 2: longer than 16384 characters');
  });

  it('names the line where an unclosed quote opens, not the line where the reader gave up', async () => {
    const rest = Array.from({ length: 5000 }, (_, i) => `B-${i},Name ${i}`).join('\n');
    const error = await errorOf(`ticket_id,holder_name\nA-1,Ani\nA-2,"Budi\n${rest}\n`);
    expect(error.items).toEqual([
      {
        loc: ['body', 3],
        msg: 'line 3: a quote (") opens a field here and is not closed within 16384 characters',
        type: 'csv_quote_not_closed',
        ctx: { maximum: 16384 },
      },
    ]);
  });

  it('reads `;` as the separator when the header uses it, also when the header arrives a byte at a time', async () => {
    const csv = '\n\uFEFFticket_id;holder_name\nA;Ani, S.\nB;"Budi; D."\n';
    expect(await readTicketCsv(upload(csv, 1))).toEqual([
      { ticket_id: 'A', holder_name: 'Ani, S.' },
      { ticket_id: 'B', holder_name: 'Budi; D.' },
    ]);
    // A comma header keeps a `;` inside a cell.
    expect(await parseTicketCsv('ticket_id,holder_name\nA,Ani; S.\n')).toEqual([
      { ticket_id: 'A', holder_name: 'Ani; S.' },
    ]);
  });

  it('names each cell at fault and each line with another number of fields, in plain words', async () => {
    const error = await errorOf(
      `ticket_id;holder_name;holder_email\n${'x'.repeat(101)};${'n'.repeat(201)};\nB;two\nC;D;E;F\n`,
    );
    expect(error.items).toEqual([
      {
        loc: ['body', 2, 'ticket_id'],
        msg: 'line 2, ticket_id: at most 100 characters',
        type: 'too_big',
        ctx: { maximum: 100, origin: 'string' },
      },
      {
        loc: ['body', 2, 'holder_name'],
        msg: 'line 2, holder_name: at most 200 characters',
        type: 'too_big',
        ctx: { maximum: 200, origin: 'string' },
      },
      {
        loc: ['body', 3],
        msg: 'line 3: 2 fields, the header has 3',
        type: 'csv_field_count',
        ctx: { fields: 2, expected: 3 },
      },
      {
        loc: ['body', 4],
        msg: 'line 4: 4 fields, the header has 3',
        type: 'csv_field_count',
        ctx: { fields: 4, expected: 3 },
      },
    ]);
  });

  it('reads a Windows-1252 file (Excel\'s "CSV" in a Western locale) as Windows-1252: André, not Andr\uFFFD', async () => {
    // 0xE9 is é in Windows-1252 and no UTF-8 at all; 0x80 is the euro sign there.
    const bytes = Buffer.concat([
      Buffer.from('ticket_id;holder_name\nW-1;Andr'),
      Buffer.from([0xe9]),
      Buffer.from(' Sihombing\nW-2;Caf'),
      Buffer.from([0xe9, 0x20, 0x80]),
      Buffer.from('\n'),
    ]);
    expect(await readTicketCsv(Readable.from([bytes]))).toEqual([
      { ticket_id: 'W-1', holder_name: 'André Sihombing' },
      { ticket_id: 'W-2', holder_name: 'Café €' },
    ]);
  });

  it('refuses a file that is UTF-8 at first and then not, saying to save it as CSV UTF-8', async () => {
    const start = `ticket_id,holder_name\n${Array.from({ length: 5000 }, (_, i) => `U-${i},Zoë ${i}`).join('\n')}\n`;
    const bytes = Buffer.concat([Buffer.from(start), Buffer.from('U-x,Andr'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const error = await errorOf(Readable.from([bytes.subarray(0, 70_000), bytes.subarray(70_000)]));
    expect(error.statusCode).toBe(422);
    expect(error.items).toEqual([
      {
        loc: ['body'],
        msg: 'the file is not UTF-8 text (nor Windows-1252 throughout): save it as "CSV UTF-8" and upload it again',
        type: 'csv_encoding',
      },
    ]);
  });
});

describe('HeaderLineScanner (issue 15, item 15)', () => {
  it('finds the header line end after blank lines, across chunks', () => {
    const scanner = new HeaderLineScanner();
    expect(scanner.push(Buffer.from(' \r\n\t\n  '))).toBe(false);
    expect(scanner.push(Buffer.from('ticket_id,holder'))).toBe(false);
    expect(scanner.push(Buffer.from('_name\r\nA,Ani\n'))).toBe(true);
    expect(new HeaderLineScanner().push(Buffer.from([0xa0, 0x0a]))).toBe(false);
  });

  it('looks at each byte of a 16 KB header without a line end once, however it is cut into chunks', () => {
    const scanner = new HeaderLineScanner();
    const hostile = Buffer.from(`${'a'.repeat(16 * 1024)}`);
    for (let at = 0; at < hostile.length; at += 100) expect(scanner.push(hostile.subarray(at, at + 100))).toBe(false);
    expect(scanner.scanned).toBe(16 * 1024);
    expect(scanner.push(Buffer.from('\nrest'))).toBe(true);
    // Stops at the line end: nothing after it is looked at.
    expect(scanner.scanned).toBe(16 * 1024 + 1);
  });

  it('still refuses a header that never ends within the line limit, naming it', async () => {
    const error = await errorOf(upload('h'.repeat(70 * 1024), 1000));
    expect(error.statusCode).toBe(422);
    expect(error.items[0]?.msg).toEqual(expect.any(String));
  });
});
