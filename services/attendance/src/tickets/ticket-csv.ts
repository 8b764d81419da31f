// Reads a ticket CSV upload (header `ticket_id,holder_name,holder_email`, `,`- or `;`-separated) into ticket inputs as it streams in, naming bad lines.
import { Readable } from 'node:stream';
import { MAX_TICKETS_PER_REQUEST, TicketInput } from '@tixgo/contracts';
import { type ValidationItem, validationError } from '@tixgo/platform';
import { CsvError, type Info, parse } from 'csv-parse';
import type { z } from 'zod';

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

/** "line 3: …", or "line 3, holder_name: …" when one cell is at fault (the UI frames it from loc). */
const lineError = (line: number, msg: string, field?: string): ValidationItem => ({
  loc: field ? ['body', line, field] : ['body', line],
  msg: field ? `line ${line}, ${field}: ${msg}` : `line ${line}: ${msg}`,
  type: 'csv',
});

const COLUMN_LIST = CSV_COLUMNS.join(', ');

function columnsOf(header: string[], line: number): string[] {
  const columns = header.map((name) => name.toLowerCase());
  const unknown = columns.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  const repeated = columns.filter((name, index) => columns.indexOf(name) !== index);
  if (unknown.length > 0 || repeated.length > 0) {
    const why =
      unknown.length > 0
        ? `${unknown.map((name) => (name === '' ? 'an empty name' : `"${name}"`)).join(', ')} is not one of them`
        : `${[...new Set(repeated)].join(', ')} appears more than once`;
    throw validationError([lineError(line, `header must name distinct columns among ${COLUMN_LIST}; ${why}`)]);
  }
  return columns;
}

/** What is wrong with one cell, in words a person who wrote the spreadsheet understands. */
function cellProblem(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big' && typeof issue.maximum === 'number') return `at most ${issue.maximum} characters`;
  return issue.message;
}

/** A parser failure as a line error: the line where the bad record starts, not where the parser gave up. */
function parserProblem(error: CsvError, recordStart: number, columns: string[] | undefined): ValidationItem {
  const line = typeof error.lines === 'number' ? error.lines : recordStart;
  const column = typeof error.column === 'number' ? columns?.[error.column] : undefined;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return lineError(recordStart, 'a quote (") opens a field here and is never closed');
    case 'CSV_MAX_RECORD_SIZE':
      // Only a quoted field runs over a line end: past the record's first line, a quote is left open.
      return lineError(
        recordStart,
        line > recordStart
          ? `a quote (") opens a field here and is not closed within ${MAX_LINE_CHARS} characters`
          : `longer than ${MAX_LINE_CHARS} characters`,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return lineError(
        line,
        'text after a closing quote ("); a quote inside a quoted field is written twice ("")',
        column,
      );
    case 'INVALID_OPENING_QUOTE':
      return lineError(
        line,
        'a quote (") inside a field: put the whole field in quotes and write the quote twice ("")',
        column,
      );
    default:
      return lineError(line, error.message);
  }
}

/**
 * The separator the header line uses: `,`, or `;` as Excel writes CSV where the decimal mark is a
 * comma (an Indonesian or German locale). Decided once from the header, so a name with a `;` (or a
 * `,`) in a file of the other kind stays one cell.
 */
function delimiterOf(start: Buffer): ',' | ';' {
  // latin1: only the ASCII bytes count, and they never occur inside a UTF-8 sequence.
  const header =
    start
      .toString('latin1')
      .split('\n')
      .find((text) => text.trim() !== '') ?? '';
  const count = (mark: string) => header.split(mark).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/** Reads `source` up to its header line (or MAX_LINE_CHARS), and returns that delimiter and the whole upload again. */
async function withDelimiter(source: Readable): Promise<{ delimiter: ',' | ';'; upload: Readable }> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  // A header is complete at the first line end after some text (blank lines before it are skipped).
  const hasHeader = () => /\S[^\n]*\n/.test(Buffer.concat(head).toString('latin1'));
  while (size <= MAX_LINE_CHARS && !hasHeader()) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    size += chunk.length;
  }
  const start = Buffer.concat(head);
  async function* rest(): AsyncGenerator<Buffer> {
    if (start.length > 0) yield start;
    while (!ended) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { delimiter: delimiterOf(start), upload: Readable.from(rest(), { objectMode: false }) };
}

/**
 * Reads `source` as it arrives (csv-parse's stream API): every problem is a 422 whose items name
 * the line (1 = the header), and the column when one cell is at fault. Empty cells mean "not
 * given": an empty ticket_id gets a generated code, empty holder fields stay null. Reading stops
 * at the first line past MAX_TICKETS_PER_REQUEST tickets, or once MAX_REPORTED lines are bad, so
 * memory is bounded by what one request may import, whatever the size of the upload (issue 10,
 * item 5: a whole-file parse of an 8 MB upload took 4.35 GB).
 */
export async function readTicketCsv(source: Readable): Promise<TicketInput[]> {
  let recordStart = 1;
  // The header as the parser read it: a parser error can come before the loop below has seen it.
  let header: string[] | undefined;
  let parser: ReturnType<typeof parse> | undefined;
  let upload: Readable | undefined;
  let columns: string[] | undefined;
  let headerLine = 1;
  const tickets: TicketInput[] = [];
  const problems: ValidationItem[] = [];
  let rows = 0;
  try {
    const read = await withDelimiter(source);
    upload = read.upload;
    parser = parse({
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      delimiter: read.delimiter,
      max_record_size: MAX_LINE_CHARS,
      // A line with another number of fields is reported here, as a line problem, with both counts.
      relax_column_count: true,
      // Runs as each record is parsed (with `info`, it gets {record, info}): the next record starts
      // after this one's last line.
      on_record: (entry, context) => {
        header ??= (entry as unknown as { record: string[] }).record.map((name) => name.toLowerCase());
        recordStart = context.lines + 1;
        return entry;
      },
    });
    const target = parser;
    upload.on('error', (error) => target.destroy(error));
    upload.pipe(parser);
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
      if (record.length !== columns.length) {
        problems.push(
          lineError(
            info.lines,
            `${record.length} ${record.length === 1 ? 'field' : 'fields'}, the header has ${columns.length}`,
          ),
        );
      } else {
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
          problems.push(lineError(info.lines, cellProblem(issue), String(issue.path[0] ?? '')));
        }
      }
      if (problems.length >= MAX_REPORTED) break;
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw validationError([...problems, parserProblem(error, recordStart, header)].slice(0, MAX_REPORTED));
  } finally {
    // Stops reading; the platform drops whatever of the upload is still to come.
    parser?.destroy();
    upload?.destroy();
    source.destroy();
  }
  if (problems.length > 0) throw validationError(problems.slice(0, MAX_REPORTED));
  if (columns === undefined)
    throw validationError([lineError(1, `empty file: expected the header ${CSV_COLUMNS.join(',')}`)]);
  if (tickets.length === 0) throw validationError([lineError(headerLine, 'no tickets after the header')]);
  return tickets;
}
