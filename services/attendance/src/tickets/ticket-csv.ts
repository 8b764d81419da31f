// Reads a ticket CSV upload (header `ticket_id,holder_name,holder_email`, optional `type` and `note`, `,`- or `;`-separated, UTF-8 or Windows-1252) into ticket inputs as it streams in, naming bad lines.
import { isUtf8 } from 'node:buffer';
import { Readable, Transform } from 'node:stream';
import { MAX_TICKETS_PER_REQUEST, TicketInput } from '@tixgo/contracts';
import { type ValidationItem, validationError } from '@tixgo/platform';
import { CsvError, type Info, parse } from 'csv-parse';
import type { z } from 'zod';

export const CSV_COLUMNS = ['ticket_id', 'holder_name', 'holder_email', 'type', 'note'] as const;
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

/**
 * How much of the upload decides its encoding: a file that is not UTF-8 there (an Excel "CSV" saved
 * in a Western or Indonesian Windows locale is Windows-1252) is read as Windows-1252.
 */
const ENCODING_SNIFF_BYTES = 64 * 1024;

/**
 * "line 3: …", or "line 3, holder_name: …" when one cell is at fault. `type` names the problem and
 * `ctx` its numbers (as in every 422 item), so the UI words it in its own language; `msg` is English.
 */
const lineError = (
  line: number,
  msg: string,
  field?: string,
  type = 'csv',
  ctx?: Record<string, string | number>,
): ValidationItem => ({
  loc: field ? ['body', line, field] : ['body', line],
  msg: field ? `line ${line}, ${field}: ${msg}` : `line ${line}: ${msg}`,
  type,
  ...(ctx && { ctx }),
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
    throw validationError([
      lineError(line, `header must name distinct columns among ${COLUMN_LIST}; ${why}`, undefined, 'csv_header', {
        columns: COLUMN_LIST,
        reason: unknown.length > 0 ? 'unknown_column' : 'repeated_column',
        names: (unknown.length > 0 ? unknown : [...new Set(repeated)]).join(', '),
      }),
    ]);
  }
  return columns;
}

/** What is wrong with one cell, in words a person who wrote the spreadsheet understands, and its type and numbers. */
function cellProblem(issue: z.core.$ZodIssue): { msg: string; type: string; ctx?: Record<string, string | number> } {
  if (issue.code === 'too_big' && typeof issue.maximum === 'number')
    return {
      msg: `at most ${issue.maximum} characters`,
      type: 'too_big',
      ctx: { maximum: issue.maximum, origin: 'string' },
    };
  const reason = (issue as { params?: { reason?: unknown } }).params?.reason;
  return { msg: issue.message, type: issue.code, ...(typeof reason === 'string' && { ctx: { reason } }) };
}

/** A parser failure as a line error: the line where the bad record starts, not where the parser gave up. */
function parserProblem(error: CsvError, recordStart: number, columns: string[] | undefined): ValidationItem {
  const line = typeof error.lines === 'number' ? error.lines : recordStart;
  const column = typeof error.column === 'number' ? columns?.[error.column] : undefined;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return lineError(
        recordStart,
        'a quote (") opens a field here and is never closed',
        undefined,
        'csv_quote_not_closed',
      );
    case 'CSV_MAX_RECORD_SIZE':
      // Only a quoted field runs over a line end: past the record's first line, a quote is left open.
      return line > recordStart
        ? lineError(
            recordStart,
            `a quote (") opens a field here and is not closed within ${MAX_LINE_CHARS} characters`,
            undefined,
            'csv_quote_not_closed',
            { maximum: MAX_LINE_CHARS },
          )
        : lineError(recordStart, `longer than ${MAX_LINE_CHARS} characters`, undefined, 'csv_line_too_long', {
            maximum: MAX_LINE_CHARS,
          });
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return lineError(
        line,
        'text after a closing quote ("); a quote inside a quoted field is written twice ("")',
        column,
        'csv_text_after_quote',
      );
    case 'INVALID_OPENING_QUOTE':
      return lineError(
        line,
        'a quote (") inside a field: put the whole field in quotes and write the quote twice ("")',
        column,
        'csv_quote_in_field',
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

/** True when `start` is UTF-8, but for a sequence cut off at its end (the rest of the upload is still to come). */
function looksUtf8(start: Buffer, complete: boolean): boolean {
  if (isUtf8(start)) return true;
  if (complete) return false;
  for (let cut = 1; cut <= 3 && cut < start.length; cut++)
    if (isUtf8(start.subarray(0, start.length - cut))) return true;
  return false;
}

/** The upload's text: UTF-8 (a byte that is not, past the sniffed start, refuses the file), or Windows-1252. */
function decodedText(encoding: 'utf-8' | 'windows-1252'): Transform {
  // fatal: a wrong byte is an error, never a silent U+FFFD in a holder's name. The BOM is dropped.
  const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  return new Transform({
    decodeStrings: true,
    readableObjectMode: false,
    transform(chunk: Buffer, _encoding, callback) {
      try {
        callback(null, decoder.decode(chunk, { stream: true }));
      } catch {
        callback(new EncodingError());
      }
    },
    flush(callback) {
      try {
        callback(null, decoder.decode());
      } catch {
        callback(new EncodingError());
      }
    },
  });
}

class EncodingError extends Error {}

const encodingProblem = (): ValidationItem => ({
  loc: ['body'],
  msg: 'the file is not UTF-8 text (nor Windows-1252 throughout): save it as "CSV UTF-8" and upload it again',
  type: 'csv_encoding',
});

/** Bytes JavaScript's \s matches in latin1: tab, line feed, vertical tab, form feed, return, space, no-break space. */
const isBlankByte = (byte: number) => (byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0xa0;

/**
 * Finds the end of the header line as the upload arrives: the first line end after some non-blank
 * text (blank lines before the header are skipped). Each byte is looked at once, in order (issue 15,
 * item 15: the regular expression /\S[^\n]*\n/ run over the whole head on every chunk took ~0.4 s
 * for a 16 KB header without a line end: each start position rescanned the rest).
 */
export class HeaderLineScanner {
  private sawText = false;
  /** Bytes looked at so far. */
  scanned = 0;
  complete = false;

  /** Feeds the next chunk; true once the header line is complete. */
  push(chunk: Uint8Array): boolean {
    for (let index = 0; index < chunk.length && !this.complete; index++) {
      const byte = chunk[index] as number;
      this.scanned += 1;
      if (byte === 0x0a) this.complete = this.sawText;
      else if (!this.sawText && !isBlankByte(byte)) this.sawText = true;
    }
    return this.complete;
  }
}

/**
 * Reads `source` up to its header line and the first ENCODING_SNIFF_BYTES, and returns the delimiter,
 * the encoding and the whole upload again.
 */
async function withDelimiter(
  source: Readable,
): Promise<{ delimiter: ',' | ';'; encoding: 'utf-8' | 'windows-1252'; upload: Readable }> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  const header = new HeaderLineScanner();
  while ((size <= MAX_LINE_CHARS && !header.complete) || size < ENCODING_SNIFF_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    size += chunk.length;
    header.push(chunk);
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
  return {
    delimiter: delimiterOf(start),
    encoding: looksUtf8(start, ended) ? 'utf-8' : 'windows-1252',
    upload: Readable.from(rest(), { objectMode: false }),
  };
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
    const text = decodedText(read.encoding);
    upload.on('error', (error) => target.destroy(error));
    text.on('error', (error) => target.destroy(error));
    upload.pipe(text).pipe(parser);
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      if (columns === undefined) {
        headerLine = info.lines;
        columns = columnsOf(record, info.lines);
        continue;
      }
      if (++rows % LINES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      if (rows > MAX_TICKETS_PER_REQUEST) {
        problems.push(
          lineError(info.lines, `at most ${MAX_TICKETS_PER_REQUEST} tickets per request`, undefined, 'csv_too_many', {
            maximum: MAX_TICKETS_PER_REQUEST,
          }),
        );
        break;
      }
      if (record.length !== columns.length) {
        problems.push(
          lineError(
            info.lines,
            `${record.length} ${record.length === 1 ? 'field' : 'fields'}, the header has ${columns.length}`,
            undefined,
            'csv_field_count',
            { fields: record.length, expected: columns.length },
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
          const problem = cellProblem(issue);
          problems.push(lineError(info.lines, problem.msg, String(issue.path[0] ?? ''), problem.type, problem.ctx));
        }
      }
      if (problems.length >= MAX_REPORTED) break;
    }
  } catch (error) {
    if (error instanceof EncodingError) throw validationError([...problems, encodingProblem()].slice(0, MAX_REPORTED));
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
    throw validationError([
      lineError(1, `empty file: expected the header ${CSV_COLUMNS.join(',')}`, undefined, 'csv_empty', {
        columns: COLUMN_LIST,
      }),
    ]);
  if (tickets.length === 0)
    throw validationError([lineError(headerLine, 'no tickets after the header', undefined, 'csv_no_tickets')]);
  return tickets;
}
