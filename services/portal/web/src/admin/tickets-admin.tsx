// Admin: an event's tickets — generate N, import a CSV (each bad line named), the list with each ticket's state, the QR sheet.
import type { TicketState } from '@tixgo/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { formatTime, t } from '../i18n/index.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { describeError } from '../ui/describe-error.js';
import { describeProblem, type Problem, problemText } from '../ui/describe-problems.js';
import { Layout } from '../ui/layout.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading, PageTitle, TableScroll } from '../ui/widgets.js';
import { ListsCard } from './lists-admin.js';
import { TicketMailing } from './ticket-mailing.js';
import { TypeNotesCard } from './type-notes-admin.js';

/** Tickets on one page of the admin list. */
const PAGE_SIZE = 100;

type LineProblem = Problem;

/** Words made when shown (not when answered), so a language switch translates them too. */
type Outcome = { kind: 'success' | 'error' | 'info'; text: () => string; lines?: LineProblem[] };

function formatSize(bytes: number): string {
  return bytes > 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/**
 * One bad line in the page's language: attendance names the line (and the column) in `loc`, and the
 * problem by its type and numbers (ctx), which the UI words; the line number is written as is (1501).
 */
function describeLine(item: LineProblem): string {
  const [, line, column] = item.loc ?? [];
  if (typeof line !== 'number') return describeProblem(item);
  const detail = problemText(item);
  return typeof column === 'string' && column !== ''
    ? t('tickets.importCell', { line: String(line), column, detail })
    : t('tickets.importLine', { line: String(line), detail });
}

/** What an import or generation answered, for a person: the created count, the bad lines, the taken codes. */
function outcomeOf(error: unknown): Outcome {
  if (
    error instanceof ApiError &&
    error.status === 422 &&
    Array.isArray((error.body as { detail?: unknown })?.detail)
  ) {
    const items = (error.body as { detail: LineProblem[] }).detail;
    return { kind: 'error', text: () => t('tickets.importErrors'), lines: items };
  }
  if (error instanceof ApiError && error.status === 409) {
    const body = error.body as { duplicates?: string[]; duplicate_count?: number } | null;
    return {
      kind: 'error',
      text: () =>
        t('tickets.importDuplicates', {
          count: body?.duplicate_count ?? 0,
          codes: (body?.duplicates ?? []).join(', '),
        }),
    };
  }
  return { kind: 'error', text: () => describeError(error) };
}

/** One row: the holder's name can be corrected in place; the ticket can be printed again on its own. */
function TicketRow(props: { eventId: string; ticket: TicketState; onSaved: (ticket: TicketState) => void }) {
  const { ticket } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(ticket.holder_name ?? '');
  // An attention ticket's note for the gate (issue 17 item 9): the station stops on it until confirmed.
  const [note, setNote] = useState(ticket.note ?? '');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const base = `/admin/events/${encodeURIComponent(props.eventId)}`;
  async function save(event: globalThis.Event) {
    event.preventDefault();
    setBusy(true);
    try {
      const saved = await endpoints.updateTicket(props.eventId, ticket.ticket_id, {
        holder_name: name.trim() === '' ? null : name.trim(),
        note: note.trim() === '' ? null : note.trim(),
      });
      props.onSaved(saved);
      setEditing(false);
      setError(undefined);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return (
    <tr>
      <th scope="row">
        <code>{ticket.ticket_id}</code>
        {ticket.type && <span class="muted"> · {ticket.type}</span>}
      </th>
      <td data-label={t('tickets.colHolder')}>
        {editing ? (
          <form class="inline-form" onSubmit={save}>
            <label class="field">
              <span class="sr-only">{t('tickets.editLabel', { code: ticket.ticket_id })}</span>
              <input value={name} maxLength={200} onInput={(typed) => setName(typed.currentTarget.value)} />
            </label>
            <label class="field">
              <span>{t('tickets.noteLabel')}</span>
              <input
                value={note}
                maxLength={200}
                placeholder={t('tickets.notePlaceholder')}
                onInput={(typed) => setNote(typed.currentTarget.value)}
              />
            </label>
            <button type="submit" class="button-primary button-small" disabled={busy}>
              {t('admin.save')}
            </button>
            <button type="button" class="button-secondary button-small" onClick={() => setEditing(false)}>
              {t('admin.cancel')}
            </button>
            {error !== undefined && <span class="field-error">{describeError(error)}</span>}
          </form>
        ) : (
          <>
            {ticket.holder_name ?? '—'}
            {ticket.note && (
              <span class="ticket-note" data-testid="ticket-note">
                {' '}
                ⚠ {ticket.note}
              </span>
            )}
          </>
        )}
      </td>
      <td data-label={t('tickets.colEmail')}>{ticket.holder_email ?? '—'}</td>
      <td data-label={t('tickets.colState')}>
        {ticket.cancelled_at
          ? `${t('gate.refused.cancelled')} — ${t('gate.cancelReason', { reason: ticket.cancel_reason ?? '' })}`
          : ticket.checked_in && ticket.checked_in_at
            ? t('tickets.stateIn', { time: formatTime(ticket.checked_in_at), gate: ticket.location ?? '—' })
            : t('tickets.stateOut')}
      </td>
      <td data-label={t('admin.colActions')} class="row-actions">
        {!editing && (
          <button
            type="button"
            class="button-link"
            aria-label={t('tickets.editName', { code: ticket.ticket_id })}
            onClick={() => {
              setName(ticket.holder_name ?? '');
              setNote(ticket.note ?? '');
              setEditing(true);
            }}
          >
            {t('tickets.edit')}
          </button>
        )}
        <a
          href={`${base}/print?ticket=${encodeURIComponent(ticket.ticket_id)}`}
          aria-label={t('tickets.reprintLabel', { code: ticket.ticket_id })}
        >
          {t('tickets.reprint')}
        </a>
        {!ticket.cancelled_at && (
          <button
            type="button"
            class="button-link"
            data-testid="ticket-cancel"
            aria-label={t('tickets.cancelLabel', { code: ticket.ticket_id })}
            onClick={() => {
              setReason('');
              setCancelling(true);
            }}
          >
            {t('tickets.cancelTicket')}
          </button>
        )}
        {cancelling && (
          <ConfirmDialog
            title={t('tickets.cancelTitle', { code: ticket.ticket_id })}
            confirmLabel={t('tickets.cancelTicket')}
            ready={reason.trim() !== ''}
            busy={busy}
            onCancel={() => setCancelling(false)}
            onConfirm={() => {
              setBusy(true);
              void endpoints
                .cancelTicket(props.eventId, ticket.ticket_id, reason.trim())
                .then(() => {
                  props.onSaved({ ...ticket, cancelled_at: new Date().toISOString(), cancel_reason: reason.trim() });
                  setError(undefined);
                })
                .catch(setError)
                .finally(() => {
                  setBusy(false);
                  setCancelling(false);
                });
            }}
          >
            <p>{t('tickets.cancelIntro')}</p>
            <label class="field">
              <span>{t('gate.reason')}</span>
              <input value={reason} maxLength={500} onInput={(typed) => setReason(typed.currentTarget.value)} />
            </label>
          </ConfirmDialog>
        )}
        {!editing && error !== undefined && <span class="field-error">{describeError(error)}</span>}
      </td>
    </tr>
  );
}

/** The event's tickets, 100 a page by code, searchable by code, name or e-mail. */
function TicketTable(props: { eventId: string; version: number }) {
  const [tickets, setTickets] = useState<TicketState[] | undefined>(undefined);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  // The cursors of the pages before this one (the first page has none).
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const [current, setCurrent] = useState<string | undefined>(undefined);
  const [q, setQ] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const generation = useRef(0);

  async function load(cursor: string | undefined, before: (string | undefined)[]) {
    const mine = ++generation.current;
    try {
      const page = await endpoints.tickets(props.eventId, cursor, PAGE_SIZE, { q: q.trim() || undefined });
      if (mine !== generation.current) return;
      setTickets(page.tickets);
      setTotal(page.total);
      setNext(page.next_cursor);
      setCurrent(cursor);
      setPrevious(before);
      setError(undefined);
    } catch (failure) {
      if (mine === generation.current) setError(failure);
    }
  }
  // Reloaded after every import (version) and every new search, from the first page.
  useEffect(() => {
    const timer = window.setTimeout(() => void load(undefined, []), q ? 250 : 0);
    return () => window.clearTimeout(timer);
  }, [props.eventId, props.version, q]);

  const pageNumber = previous.length + 1;
  return (
    <section class="card" aria-labelledby="tickets-list-title">
      <h2 id="tickets-list-title">{t('tickets.list', { total })}</h2>
      <label class="field">
        <span>{t('tickets.search')}</span>
        <input type="search" value={q} onInput={(typed) => setQ(typed.currentTarget.value)} />
      </label>
      {error !== undefined && <ErrorBanner error={error} retry={() => void load(current, previous)} />}
      {tickets === undefined && error === undefined && <Loading />}
      {tickets && tickets.length === 0 && <p>{q.trim() ? t('tickets.noMatch') : t('tickets.none')}</p>}
      {tickets && tickets.length > 0 && (
        <TableScroll label={t('tickets.list', { total })}>
          <table class="data-table stacked-table" data-testid="ticket-table">
            <thead>
              <tr>
                <th scope="col">{t('tickets.colCode')}</th>
                <th scope="col">{t('tickets.colHolder')}</th>
                <th scope="col">{t('tickets.colEmail')}</th>
                <th scope="col">{t('tickets.colState')}</th>
                <th scope="col">{t('admin.colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {tickets.map((ticket) => (
                <TicketRow
                  key={ticket.ticket_id}
                  eventId={props.eventId}
                  ticket={ticket}
                  onSaved={(saved) =>
                    setTickets((old) => old?.map((row) => (row.ticket_id === saved.ticket_id ? saved : row)))
                  }
                />
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {(previous.length > 0 || next) && (
        <nav class="pager" aria-label={t('tickets.pages')}>
          <button
            type="button"
            class="button-secondary"
            disabled={previous.length === 0}
            onClick={() => void load(previous.at(-1), previous.slice(0, -1))}
          >
            {t('tickets.previous')}
          </button>
          <span data-testid="ticket-page">{t('tickets.page', { page: pageNumber })}</span>
          <button
            type="button"
            class="button-secondary"
            disabled={!next}
            onClick={() => next && void load(next, [...previous, current])}
          >
            {t('tickets.next')}
          </button>
        </nav>
      )}
    </section>
  );
}

export function TicketsPage() {
  const { params } = useRoute();
  const eventId = params.id as string;
  const event = useApi(() => endpoints.event(eventId), [eventId]);
  const [count, setCount] = useState('50');
  const [type, setType] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const fileInput = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const [version, setVersion] = useState(0);

  async function run(
    label: string,
    work: () => Promise<{ created: number }>,
    done: (created: number) => string,
    afterSuccess?: () => void,
  ) {
    setBusy(label);
    setOutcome(undefined);
    try {
      const result = await work();
      setOutcome({ kind: 'success', text: () => done(result.created) });
      setVersion((value) => value + 1);
      afterSuccess?.();
    } catch (error) {
      setOutcome(outcomeOf(error));
    } finally {
      setBusy(undefined);
    }
  }

  const title = event.data?.title ?? eventId;
  return (
    <Layout wide>
      <p>
        <a href="/admin/events">← {t('admin.events')}</a>
      </p>
      <div class="page-head">
        <PageTitle>{t('tickets.title', { title })}</PageTitle>
        <a class="button-secondary" href={`/admin/events/${encodeURIComponent(eventId)}/print`}>
          {t('tickets.print')}
        </a>
      </div>
      {event.error !== undefined && <ErrorBanner error={event.error} retry={event.reload} />}
      {busy && (
        <p class="banner banner-info" role="status">
          <span class="spinner" aria-hidden="true" /> {busy}
        </p>
      )}
      {outcome && (
        <Banner kind={outcome.kind}>
          {outcome.text()}
          {outcome.lines && (
            <ul class="error-lines" data-testid="import-errors">
              {outcome.lines.map((line) => (
                <li key={JSON.stringify(line.loc)}>{describeLine(line)}</li>
              ))}
            </ul>
          )}
        </Banner>
      )}
      <div class="two-columns">
        <section class="card" aria-labelledby="generate-title">
          <h2 id="generate-title">{t('tickets.generate')}</h2>
          <form
            class="form"
            onSubmit={(submitted) => {
              submitted.preventDefault();
              const n = Number(count);
              void run(
                t('tickets.generating', { count: n }),
                () => endpoints.issueCount(eventId, n, type.trim() || undefined),
                (created) => t('tickets.generated', { count: created }),
              );
            }}
          >
            <label class="field">
              <span>{t('tickets.count')}</span>
              <input
                type="number"
                min={1}
                max={100000}
                required
                value={count}
                onInput={(typed) => setCount(typed.currentTarget.value)}
              />
            </label>
            <label class="field">
              <span>{t('tickets.type')}</span>
              <input
                value={type}
                maxLength={50}
                placeholder="VIP"
                onInput={(typed) => setType(typed.currentTarget.value)}
              />
            </label>
            <button type="submit" class="button-primary" disabled={busy !== undefined}>
              {t('tickets.generateSubmit')}
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="import-title">
          <h2 id="import-title">{t('tickets.import')}</h2>
          <p class="muted" id="import-hint">
            {t('tickets.importHint')}
          </p>
          <form
            class="form"
            onSubmit={(submitted) => {
              submitted.preventDefault();
              if (!file) return;
              void run(
                t('tickets.importing', { name: file.name, size: formatSize(file.size) }),
                () => endpoints.importCsv(eventId, file),
                (created) => t('tickets.imported', { count: created }),
                // Imported: a second click must not send the same file again (it would only be refused as duplicates).
                () => {
                  if (fileInput.current) fileInput.current.value = '';
                  setFile(undefined);
                },
              );
            }}
          >
            <label class="field">
              <span>{t('tickets.file')}</span>
              <input
                ref={fileInput}
                type="file"
                accept=".csv,text/csv"
                required
                aria-describedby="import-hint"
                onChange={(chosen) => setFile(chosen.currentTarget.files?.[0])}
              />
            </label>
            <button type="submit" class="button-primary" disabled={busy !== undefined || !file}>
              {t('tickets.importSubmit')}
            </button>
          </form>
        </section>
      </div>
      <ListsCard eventId={eventId} />
      <TypeNotesCard eventId={eventId} version={version} />
      <TicketMailing eventId={eventId} />
      <TicketTable eventId={eventId} version={version} />
    </Layout>
  );
}
