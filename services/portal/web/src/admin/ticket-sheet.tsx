// Admin: a printable A4 sheet of QR codes with the event, holder name and code (qrcode makes the SVGs here, in the browser).
import type { TicketState } from '@tixgo/contracts';
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import QRCode from 'qrcode';
import { endpoints } from '../api/endpoints.js';
import { language, t } from '../i18n/index.js';
import { ErrorBanner, PageTitle } from '../ui/widgets.js';

type SheetOrder = 'name' | 'import' | 'code';
const ORDERS: SheetOrder[] = ['name', 'import', 'code'];

interface Printed {
  ticket: TicketState;
  svg: string;
}

/** Every ticket of the event, page by page (1,000 at a time), in import or code order. */
async function allTickets(
  eventId: string,
  order: SheetOrder,
  onTotal: (total: number) => void,
): Promise<TicketState[]> {
  const tickets: TicketState[] = [];
  let cursor: string | undefined;
  do {
    const page = await endpoints.tickets(eventId, cursor, 1000, { sort: order === 'code' ? 'code' : 'import' });
    onTotal(page.total);
    tickets.push(...page.tickets);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  if (order === 'name') {
    // By holder name as the page's language sorts names; tickets without a name last, in import order.
    const collator = new Intl.Collator(language.value === 'id' ? 'id-ID' : 'en-GB', { sensitivity: 'base' });
    const named = tickets.filter((ticket) => ticket.holder_name);
    named.sort((a, b) => collator.compare(a.holder_name ?? '', b.holder_name ?? ''));
    return [...named, ...tickets.filter((ticket) => !ticket.holder_name)];
  }
  return tickets;
}

/** One ticket (a reprint), found by its exact code. */
async function oneTicket(eventId: string, code: string): Promise<TicketState[]> {
  const page = await endpoints.tickets(eventId, undefined, 100, { q: code });
  return page.tickets.filter((ticket) => ticket.ticket_id === code);
}

export function TicketSheetPage() {
  const { params } = useRoute();
  const { query, route } = useLocation();
  const eventId = params.id as string;
  const single = query.ticket;
  const order: SheetOrder = ORDERS.includes(query.sort as SheetOrder) ? (query.sort as SheetOrder) : 'name';
  const [title, setTitle] = useState(eventId);
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [codes, setCodes] = useState<Printed[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    let cancelled = false;
    setCodes([]);
    setDone(false);
    (async () => {
      try {
        setTitle((await endpoints.event(eventId)).title);
        const wanted = single ? await oneTicket(eventId, single) : await allTickets(eventId, order, setTotal);
        if (single) setTotal(wanted.length);
        // Drawn a few at a time so the progress shows; all of them go to the printer as one job.
        const printed: Printed[] = [];
        for (const ticket of wanted) {
          if (cancelled) return;
          printed.push({
            ticket,
            svg: await QRCode.toString(ticket.ticket_id, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
          });
          if (printed.length % 100 === 0) setCodes([...printed]);
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
  }, [eventId, order, single]);

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
            {t('sheet.preparing', { done: codes.length, total: total ?? 0 })}
          </p>
        )}
        {done && codes.length === 0 && <p>{t('sheet.empty')}</p>}
        {done && codes.length > 0 && <p data-testid="sheet-count">{t('sheet.count', { count: codes.length })}</p>}
        {!single && (
          <label class="field sheet-order">
            <span>{t('sheet.order')}</span>
            <select value={order} onChange={(chosen) => route(`${base}?sort=${chosen.currentTarget.value}`, true)}>
              {ORDERS.map((value) => (
                <option key={value} value={value}>
                  {t(`sheet.order.${value}`)}
                </option>
              ))}
            </select>
          </label>
        )}
        {single && (
          <p>
            {t('sheet.single', { code: single })} <a href={base}>{t('sheet.all')}</a>
          </p>
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
