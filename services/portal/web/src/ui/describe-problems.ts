// Server answers in the page's language: the 422 items (fields, CSV lines) worded from their type and
// numbers (ctx), and the server's known `detail` sentences; anything unknown keeps the server's words.
import { type MessageKey, t } from '../i18n/index.js';

/** One item of a FastAPI-shaped 422 body. */
export interface Problem {
  loc?: unknown[];
  msg?: string;
  type?: string;
  ctx?: Record<string, string | number>;
}

/** The 422 items of an error body, or undefined when it has none. */
export function problemsOf(body: unknown): Problem[] | undefined {
  const detail = (body as { detail?: unknown } | null)?.detail;
  return Array.isArray(detail) ? (detail as Problem[]) : undefined;
}

/** Fields people fill in, by their wire name: the label the form shows. */
const FIELD_LABELS: Record<string, MessageKey> = {
  id: 'field.id',
  title: 'field.title',
  description: 'field.description',
  location: 'field.location',
  start_time: 'field.start',
  end_time: 'field.end',
  capacity: 'field.capacity',
  time_zone: 'field.timeZone',
  gates: 'field.gates',
  ticket_id: 'field.ticketId',
  holder_name: 'field.holderName',
  holder_email: 'field.holderEmail',
  count: 'field.count',
  username: 'field.username',
  password: 'field.password',
  role: 'field.role',
  q: 'field.search',
};

const CUSTOM_REASONS: Record<string, MessageKey> = {
  blank: 'problem.blank',
  control_characters: 'problem.controlCharacters',
  not_unicode: 'problem.notUnicode',
  dot_segment: 'problem.dotSegment',
  username_characters: 'problem.usernameCharacters',
  count_or_tickets: 'problem.countOrTickets',
  duplicate_gate: 'problem.duplicateGate',
};

const CSV_TYPES: Record<string, MessageKey> = {
  csv_field_count: 'problem.csvFieldCount',
  csv_quote_not_closed: 'problem.csvQuoteNotClosed',
  csv_line_too_long: 'problem.csvLineTooLong',
  csv_text_after_quote: 'problem.csvTextAfterQuote',
  csv_quote_in_field: 'problem.csvQuoteInField',
  csv_too_many: 'problem.csvTooMany',
  csv_empty: 'problem.csvEmpty',
  csv_no_tickets: 'problem.csvNoTickets',
  csv_encoding: 'problem.csvEncoding',
};

/** Our schemas' refinement sentences (packages/contracts), by the reason the UI words. */
const CUSTOM_MESSAGES: Record<string, string> = {
  'must not be blank': 'blank',
  'must not contain control characters': 'control_characters',
  'must be valid Unicode text (no lone surrogates)': 'not_unicode',
  'must not be "." or ".."': 'dot_segment',
  'may contain only ASCII letters, digits and . _ - @': 'username_characters',
  'give either count or tickets': 'count_or_tickets',
  'must not name a gate twice': 'duplicate_gate',
};

/**
 * The numbers of a schema problem, read from zod's English sentence when the item carries no `ctx`
 * (schema 422 items keep FastAPI's three compat fields): "Too big: expected string to have <=100
 * characters" is a string of at most 100.
 */
function contextOf(problem: Problem): Record<string, string | number> {
  if (problem.ctx) return problem.ctx;
  const msg = problem.msg ?? '';
  const ctx: Record<string, string | number> = {};
  const origin = /expected (string|number|array|set|int|bigint)\b/.exec(msg)?.[1];
  if (origin) ctx.origin = origin === 'int' || origin === 'bigint' ? 'number' : origin;
  const bound = /[<>]=?\s*(-?\d+(?:\.\d+)?)/.exec(msg)?.[1];
  if (bound !== undefined) ctx[problem.type === 'too_small' ? 'minimum' : 'maximum'] = Number(bound);
  if (problem.type === 'invalid_format' && /email/i.test(msg)) ctx.format = 'email';
  const reason = CUSTOM_MESSAGES[msg];
  if (reason) ctx.reason = reason;
  return ctx;
}

/** What is wrong, without the field: "at most 100 characters", "must not be empty". */
export function problemText(problem: Problem): string {
  const ctx = contextOf(problem);
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(ctx)) values[name] = value;
  const max = Number(ctx.maximum);
  const min = Number(ctx.minimum);
  switch (problem.type) {
    case 'too_big':
      if (ctx.origin === 'string') return t('problem.tooLong', { count: max });
      if (ctx.origin === 'array' || ctx.origin === 'set') return t('problem.tooMany', { count: max });
      if (Number.isFinite(max)) return t('problem.tooLarge', { max });
      break;
    case 'too_small':
      if (ctx.origin === 'string') return min <= 1 ? t('problem.required') : t('problem.tooShort', { count: min });
      if (ctx.origin === 'array' || ctx.origin === 'set') return t('problem.tooFew', { count: min });
      if (Number.isFinite(min)) return t('problem.tooSmall', { min });
      break;
    case 'invalid_type':
      return /received undefined/.test(problem.msg ?? '') ? t('problem.required') : t('problem.wrongType');
    case 'invalid_format':
      return ctx.format === 'email' ? t('problem.email') : t('problem.format');
    case 'invalid_value':
    case 'invalid_union':
    case 'invalid_enum_value':
      return t('problem.choice');
    case 'unrecognized_keys':
      return t('problem.unknownField');
    case 'custom': {
      const key = typeof ctx.reason === 'string' ? CUSTOM_REASONS[ctx.reason] : undefined;
      if (key) return t(key);
      break;
    }
    case 'csv_header':
      return t(ctx.reason === 'repeated_column' ? 'problem.csvHeaderRepeated' : 'problem.csvHeaderUnknown', values);
    default: {
      const key = problem.type ? CSV_TYPES[problem.type] : undefined;
      if (key) return t(key, { ...values, count: Number(ctx.fields ?? ctx.maximum ?? 0) });
    }
  }
  return problem.msg ?? t('problem.unknown');
}

/** The field a problem is about, as the form names it (the wire name when the UI has no label for it). */
function fieldOf(problem: Problem): string | undefined {
  const names = (problem.loc ?? []).filter((part): part is string => typeof part === 'string');
  const last = names.filter((part) => !['body', 'query', 'path', 'header'].includes(part)).at(-1);
  if (last === undefined) return undefined;
  const key = FIELD_LABELS[last];
  return key ? t(key) : last;
}

/** "Judul: tidak boleh kosong" — one problem with its field. */
export function describeProblem(problem: Problem): string {
  const field = fieldOf(problem);
  const text = problemText(problem);
  return field ? `${field}: ${text}` : text;
}

/** Every problem of a 422, one sentence each, joined. */
export function describeProblems(problems: Problem[]): string {
  return problems.map(describeProblem).join('; ');
}

/** The server's fixed `detail` sentences a person may see, in the page's language. */
const KNOWN_DETAILS: Record<string, MessageKey> = {
  'Event not found': 'detail.eventNotFound',
  'Event already exists': 'detail.eventExists',
  'Event has check-ins; add ?force=true to delete it with them': 'detail.eventHasCheckins',
  'end_time must not be before start_time': 'detail.endBeforeStart',
  'Username already exists': 'register.taken',
  'User not found': 'detail.userNotFound',
  'Cannot remove the last admin': 'users.lastAdmin',
  'Password too long: at most 72 bytes': 'detail.passwordTooLong',
  'Ticket not found for this event': 'detail.ticketNotFound',
  'Ticket already checked in': 'detail.alreadyCheckedIn',
  'E-mail is not set up on this server (SMTP_URL)': 'detail.mailOff',
  'No ticket of this event has an e-mail address to send to': 'detail.noAddresses',
  'Admin only': 'error.forbidden',
  'Request body is too large': 'detail.tooLarge',
  'Token expired': 'banner.sessionExpired',
  'Invalid token': 'banner.sessionExpired',
  'Missing Authorization header': 'banner.sessionExpired',
};

/** A server `detail` in the page's language when it is one the UI knows; else as the server wrote it. */
export function describeDetail(detail: string): string {
  const key = KNOWN_DETAILS[detail];
  return key ? t(key) : detail;
}
