// A ticket's history on the event page (issue 16): every scan (in, out, refused and why), undo and cancellation, and
// a supervisor's undo of an admission that still counts.
import { useState } from 'preact/hooks';
import { endpoints } from '../api/endpoints.js';
import { session } from '../api/session.js';
import { formatDateTime, type MessageKey, t } from '../i18n/index.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { useApi } from '../ui/use-api.js';
import { ErrorBanner, Loading } from '../ui/widgets.js';

export function isSupervisorRole(): boolean {
  const role = session.value?.role;
  return role === 'supervisor' || role === 'admin';
}

export function TicketHistoryPanel(props: {
  eventId: string;
  ticketId: string;
  onClose: () => void;
  onChange: () => void;
}) {
  const history = useApi(() => endpoints.history(props.eventId, props.ticketId), [props.eventId, props.ticketId]);
  const [undoing, setUndoing] = useState<string | undefined>(undefined);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(undefined);
  const data = history.data;
  return (
    <section class="card" aria-labelledby="history-title" data-testid="ticket-history">
      <div class="section-head">
        <h2 id="history-title">{t('history.title', { ticket: props.ticketId })}</h2>
        <button type="button" class="button-secondary button-small" onClick={props.onClose}>
          {t('history.close')}
        </button>
      </div>
      {history.error !== undefined && <ErrorBanner error={history.error} retry={history.reload} />}
      {failure !== undefined && <ErrorBanner error={failure} />}
      {!data && history.loading && <Loading />}
      {data && (
        <>
          <p class="muted">
            {[data.holder_name, data.type, data.cancelled_at ? t('gate.refused.cancelled') : undefined]
              .filter(Boolean)
              .join(' · ')}
            {data.cancel_reason ? ` — ${t('gate.cancelReason', { reason: data.cancel_reason })}` : ''}
          </p>
          <ol class="history-list">
            {data.history.map((line, index) => {
              const action = t(`history.${line.action}` as MessageKey);
              const marks = [
                line.refusal ? t(`gate.refused.${line.refusal}` as MessageKey) : undefined,
                line.reason ? t('gate.cancelReason', { reason: line.reason }) : undefined,
                line.overridden ? t('history.overridden') : undefined,
                line.offline ? t('history.offline') : undefined,
                line.annulled ? t('history.annulledMark') : undefined,
                // Issue 15 item 12: the device's own time was before its first ticket download, so it was moved.
                line.device_scanned_at
                  ? t('history.deviceTime', { time: formatDateTime(line.device_scanned_at) })
                  : undefined,
              ].filter(Boolean);
              const canUndo =
                line.action === 'entry' && !line.annulled && line.checkin_id !== null && isSupervisorRole();
              return (
                <li key={`${line.at}-${index}`} class={line.annulled ? 'handled' : undefined}>
                  {t('history.line', {
                    time: formatDateTime(line.scanned_at ?? line.at),
                    action,
                    list: line.list_id ?? '—',
                    gate: line.location ?? '—',
                    by: line.by,
                  })}
                  {marks.length > 0 && ` (${marks.join('; ')})`}{' '}
                  {canUndo && (
                    <button
                      type="button"
                      class="button-secondary button-small"
                      data-testid="history-undo"
                      onClick={() => {
                        setReason('');
                        setUndoing(line.checkin_id as string);
                      }}
                    >
                      {t('gate.undo')}
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
        </>
      )}
      {undoing && (
        <ConfirmDialog
          title={t('gate.undoTitle', { ticket: props.ticketId })}
          confirmLabel={t('gate.undo')}
          ready={reason.trim() !== ''}
          busy={busy}
          onCancel={() => setUndoing(undefined)}
          onConfirm={() => {
            setBusy(true);
            void endpoints
              .annul(props.eventId, undoing, reason.trim())
              .then(async () => {
                setFailure(undefined);
                await history.reload();
                props.onChange();
              })
              .catch(setFailure)
              .finally(() => {
                setBusy(false);
                setUndoing(undefined);
              });
          }}
        >
          <p>{t('gate.undoIntro')}</p>
          <label class="field">
            <span>{t('gate.reason')}</span>
            <input value={reason} maxLength={500} onInput={(event) => setReason(event.currentTarget.value)} />
          </label>
        </ConfirmDialog>
      )}
    </section>
  );
}
