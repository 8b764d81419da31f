// Reads a ticket CSV upload (header `ticket_id,holder_name,holder_email`) into ticket inputs, naming bad lines.
import { MAX_TICKETS_PER_REQUEST, TicketInput } from '@tixgo/contracts';
import { type ValidationItem, validationError } from '@tixgo/platform';
import { CsvError, parse } from 'csv-parse/sync';

export const CSV_COLUMNS = ['ticket_id', 'holder_name', 'holder_email'] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** At most this many line errors are reported; the first ones are what a person fixes first. */
const MAX_REPORTED = 20;

const lineError = (line: number, msg: string, field?: string): ValidationItem => ({
  loc: field ? ['body', line, field] : ['body', line],
  msg: `line ${line}: ${msg}`,
  type: 'csv',
});

/**
 * Parses `text`; every problem is a 422 whose items name the line (1 = the header). Empty cells
 * mean "not given": an empty ticket_id gets a generated code, empty holder fields stay null.
 */
export function parseTicketCsv(text: string): TicketInput[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, bom: true, trim: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error.lines === 'number' ? error.lines : 0;
      throw validationError([lineError(line, error.message)]);
    }
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw validationError([lineError(1, `empty file: expected the header ${CSV_COLUMNS.join(',')}`)]);
  const columns = header.record.map((name) => name.toLowerCase());
  const unknown = columns.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0 || new Set(columns).size !== columns.length) {
    throw validationError([
      lineError(
        header.info.lines,
        `header must name distinct columns among ${CSV_COLUMNS.join(',')}; got ${columns.join(',')}`,
      ),
    ]);
  }
  if (rows.length === 0) throw validationError([lineError(header.info.lines, 'no tickets after the header')]);
  if (rows.length > MAX_TICKETS_PER_REQUEST) {
    throw validationError([lineError(1, `at most ${MAX_TICKETS_PER_REQUEST} tickets per request`)]);
  }

  const tickets: TicketInput[] = [];
  const problems: ValidationItem[] = [];
  for (const { record, info } of rows) {
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
  if (problems.length > 0) throw validationError(problems.slice(0, MAX_REPORTED));
  return tickets;
}
