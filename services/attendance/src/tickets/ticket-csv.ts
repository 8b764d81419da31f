// Reads a ticket CSV upload (header `ticket_id,holder_name,holder_email`) into ticket inputs as it streams in, naming bad lines.
import type { Readable } from 'node:stream';
import { MAX_TICKETS_PER_REQUEST, TicketInput } from '@tixgo/contracts';
import { type ValidationItem, validationError } from '@tixgo/platform';
import { CsvError, type Info, parse } from 'csv-parse';

export const CSV_COLUMNS = ['ticket_id', 'holder_name', 'holder_email'] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** At most this many line errors are reported; the first ones are what a person fixes first. */
const MAX_REPORTED = 20;

/**
 * Longest line (or quoted field) the parser holds, in characters: a valid line is well under 1,000
 * (an id of 100, a name of 200, an address of 254). Without it, one unclosed quote would make the
 * parser buffer the whole upload.
 */
const MAX_LINE_CHARS = 16 * 1024;

/**
 * Lines read between two turns of the event loop: the parser's records arrive in microtasks, so
 * without a pause a 100,000-line import would keep /health (and every other request) waiting.
 */
const LINES_PER_TURN = 2000;

const lineError = (line: number, msg: string, field?: string): ValidationItem => ({
  loc: field ? ['body', line, field] : ['body', line],
  msg: `line ${line}: ${msg}`,
  type: 'csv',
});

function columnsOf(header: string[], line: number): string[] {
  const columns = header.map((name) => name.toLowerCase());
  const unknown = columns.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0 || new Set(columns).size !== columns.length) {
    throw validationError([
      lineError(line, `header must name distinct columns among ${CSV_COLUMNS.join(',')}; got ${columns.join(',')}`),
    ]);
  }
  return columns;
}

/**
 * Reads `source` as it arrives (csv-parse's stream API): every problem is a 422 whose items name
 * the line (1 = the header). Empty cells mean "not given": an empty ticket_id gets a generated
 * code, empty holder fields stay null. Reading stops at the first line past
 * MAX_TICKETS_PER_REQUEST tickets, or once MAX_REPORTED lines are bad, so memory is bounded by
 * what one request may import, whatever the size of the upload (issue 10, item 5: a whole-file
 * parse of an 8 MB upload took 4.35 GB).
 */
export async function readTicketCsv(source: Readable): Promise<TicketInput[]> {
  const parser = parse({ info: true, bom: true, trim: true, skip_empty_lines: true, max_record_size: MAX_LINE_CHARS });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let columns: string[] | undefined;
  let headerLine = 1;
  const tickets: TicketInput[] = [];
  const problems: ValidationItem[] = [];
  let rows = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      if (columns === undefined) {
        headerLine = info.lines;
        columns = columnsOf(record, info.lines);
        continue;
      }
      if (++rows % LINES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      if (rows > MAX_TICKETS_PER_REQUEST) {
        problems.push(lineError(info.lines, `at most ${MAX_TICKETS_PER_REQUEST} tickets per request`));
        break;
      }
      const raw: Partial<Record<Column, string>> = {};
      columns.forEach((name, index) => {
        const value = record[index];
        if (value !== undefined && value !== '') raw[name as Column] = value;
      });
      const parsed = TicketInput.safeParse(raw);
      if (parsed.success) {
        tickets.push(parsed.data);
        continue;
      }
      for (const issue of parsed.error.issues) {
        problems.push(lineError(info.lines, issue.message, String(issue.path[0] ?? '')));
      }
      if (problems.length >= MAX_REPORTED) break;
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = typeof error.lines === 'number' ? error.lines : 0;
    throw validationError([...problems, lineError(line, error.message)].slice(0, MAX_REPORTED));
  } finally {
    // Stops reading; the platform drops whatever of the upload is still to come.
    parser.destroy();
    source.destroy();
  }
  if (problems.length > 0) throw validationError(problems.slice(0, MAX_REPORTED));
  if (columns === undefined)
    throw validationError([lineError(1, `empty file: expected the header ${CSV_COLUMNS.join(',')}`)]);
  if (tickets.length === 0) throw validationError([lineError(headerLine, 'no tickets after the header')]);
  return tickets;
}
