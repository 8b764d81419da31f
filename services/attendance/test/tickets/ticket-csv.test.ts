// Parsing a ticket CSV: columns, empty cells, and 422s that name the line.
import { describe, expect, it } from 'vitest';
import { parseTicketCsv } from '../../src/tickets/ticket-csv.js';

const errorOf = (csv: string) => {
  try {
    parseTicketCsv(csv);
  } catch (error) {
    return error as { statusCode: number; items: { loc: (string | number)[]; msg: string }[] };
  }
  throw new Error('expected a 422');
};

describe('parseTicketCsv', () => {
  it('reads the three columns; empty cells are "not given"', () => {
    expect(parseTicketCsv('ticket_id,holder_name,holder_email\nA,Ani,a@x.id\n,Budi,\n')).toEqual([
      { ticket_id: 'A', holder_name: 'Ani', holder_email: 'a@x.id' },
      { holder_name: 'Budi' },
    ]);
  });

  it('matches header names in any letter case and skips blank lines', () => {
    expect(parseTicketCsv('Ticket_ID\n\nA\n\nB\n')).toEqual([{ ticket_id: 'A' }, { ticket_id: 'B' }]);
  });

  it('names every bad line, up to 20 of them', () => {
    const rows = Array.from({ length: 30 }, () => `${'x'.repeat(101)}`);
    const error = errorOf(`ticket_id\n${rows.join('\n')}\n`);
    expect(error.statusCode).toBe(422);
    expect(error.items).toHaveLength(20);
    expect(error.items[0]?.loc).toEqual(['body', 2, 'ticket_id']);
    expect(error.items[19]?.msg).toMatch(/^line 21: /);
  });

  it('rejects a repeated column and an empty file', () => {
    expect(errorOf('ticket_id,ticket_id\nA,B\n').items[0]?.msg).toMatch(/^line 1: header must name distinct columns/);
    expect(errorOf('').items[0]?.msg).toMatch(/^line 1: empty file/);
  });
});
