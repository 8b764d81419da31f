// Admin: a printable A4 sheet of QR codes with the event, holder name and code (qrcode makes the SVGs here, in the browser).
import type { TicketState } from '@tixgo/contracts';
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import QRCode from 'qrcode';
import { endpoints } from '../api/endpoints.js';
import { formatNumber, t } from '../i18n/index.js';
import { ErrorBanner, PageTitle } from '../ui/widgets.js';

/** Codes on one sheet run: 300 is 25 A4 pages of 12; larger events print range by range. */
const PER_SHEET = 300;

interface Printed {
  ticket: TicketState;
  svg: string;
}

export function TicketSheetPage() {
  const { params } = useRoute();
  const { query } = useLocation();
  const eventId = params.id as string;
  const from = Math.max(0, Number(query.from ?? 0) || 0);
  const [title, setTitle] = useState(eventId);
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [codes, setCodes] = useState<Printed[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        setTitle((await endpoints.event(eventId)).title);
        // Walk the pages up to this range, then draw its codes a few at a time so the progress shows.
        const wanted: TicketState[] = [];
        let cursor: string | undefined;
        let seen = 0;
        do {
          const page = await endpoints.tickets(eventId, cursor, 1000);
          setTotal(page.total);
          for (const ticket of page.tickets) {
            if (seen >= from && wanted.length < PER_SHEET) wanted.push(ticket);
            seen++;
          }
          cursor = page.next_cursor ?? undefined;
        } while (cursor && wanted.length < PER_SHEET && !cancelled);
        const printed: Printed[] = [];
        for (const ticket of wanted) {
          if (cancelled) return;
          printed.push({
            ticket,
            svg: await QRCode.toString(ticket.ticket_id, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
          });
          if (printed.length % 25 === 0) setCodes([...printed]);
        }
        setCodes(printed);
        setDone(true);
      } catch (failure) {
        if (!cancelled) setError(failure);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [eventId, from]);

  const base = `/admin/events/${encodeURIComponent(eventId)}/print`;
  return (
    <main id="main" class="sheet-page">
      <div class="no-print sheet-tools">
        <a href={`/admin/events/${encodeURIComponent(eventId)}/tickets`}>← {t('sheet.back')}</a>
        <PageTitle>{t('sheet.title', { title })}</PageTitle>
        <p class="muted">{t('sheet.hint')}</p>
        {error !== undefined && <ErrorBanner error={error} />}
        {!done && error === undefined && (
          <p role="status">
            <span class="spinner" aria-hidden="true" />{' '}
            {t('sheet.preparing', { done: codes.length, total: Math.min(PER_SHEET, Math.max(0, (total ?? 0) - from)) })}
          </p>
        )}
        {done && codes.length === 0 && <p>{t('sheet.empty')}</p>}
        {total !== undefined && total > PER_SHEET && (
          <nav class="sheet-ranges" aria-label={t('sheet.title', { title })}>
            {Array.from({ length: Math.ceil(total / PER_SHEET) }, (_, index) => (
              <a
                key={index}
                href={`${base}?from=${index * PER_SHEET}`}
                aria-current={index * PER_SHEET === from ? 'page' : undefined}
              >
                {formatNumber(index * PER_SHEET + 1)}–{formatNumber(Math.min(total, (index + 1) * PER_SHEET))}
              </a>
            ))}
          </nav>
        )}
        <button
          type="button"
          class="button-primary"
          disabled={!done || codes.length === 0}
          onClick={() => window.print()}
        >
          {t('sheet.print')}
        </button>
      </div>
      <ul class="sheet" data-testid="qr-sheet">
        {codes.map(({ ticket, svg }) => (
          <li key={ticket.ticket_id} class="sheet-cell">
            {/* Each cell is cut out and handed on alone: it names its event. */}
            <p class="sheet-event">{title}</p>
            {/* The SVG comes from the qrcode library (paths only, the code is data inside it). */}
            <div class="sheet-qr" role="img" aria-label={ticket.ticket_id} dangerouslySetInnerHTML={{ __html: svg }} />
            <p class="sheet-name">{ticket.holder_name ?? ''}</p>
            <p class="sheet-code">{ticket.ticket_id}</p>
          </li>
        ))}
      </ul>
    </main>
  );
}
