// The full-screen answer to a scan: colour, a word no one can misread, the detail, and the same text for screen readers.
import type { TicketState } from '@tixgo/contracts';
import { formatTime, type MessageKey, t } from '../i18n/index.js';
import type { ScanAnswer } from './scan-client.js';

export interface AnswerView {
  tone: 'ok' | 'warn' | 'error' | 'pending';
  title: string;
  detail: string;
}

export function viewOf(answer: ScanAnswer, holder?: TicketState | undefined): AnswerView {
  const ticket = answer.scan.ticketId;
  switch (answer.kind) {
    case 'ok':
      return {
        tone: 'ok',
        title: t('station.ok'),
        detail: holder?.holder_name ? `${ticket} · ${holder.holder_name}` : t('station.okDetail', { ticket }),
      };
    case 'duplicate': {
      const values = { time: formatTime(answer.first.checked_in_at), by: answer.first.checked_in_by };
      const key: MessageKey = answer.first.location ? 'station.duplicateDetail' : 'station.duplicateDetailNoGate';
      return {
        tone: 'warn',
        title: t('station.duplicate'),
        detail: `${ticket}: ${t(key, { ...values, gate: answer.first.location ?? '' })}`,
      };
    }
    case 'unknown':
      return answer.otherEvent
        ? {
            tone: 'error',
            title: t('station.otherEvent'),
            detail: t('station.otherEventDetail', { ticket, event: answer.otherEvent.title }),
          }
        : { tone: 'error', title: t('station.unknown'), detail: t('station.unknownDetail', { ticket }) };
    case 'no-event':
      return { tone: 'error', title: t('station.noEvent'), detail: t('station.noEventDetail') };
    case 'invalid':
      return {
        tone: 'error',
        title: t('station.invalid'),
        detail: t('station.invalidDetail', { detail: answer.detail }),
      };
    case 'failed':
      return { tone: 'error', title: t('station.failed'), detail: t('station.failedDetail', { ticket }) };
  }
}

const ICONS: Record<AnswerView['tone'], string> = { ok: '✓', warn: '!', error: '✕', pending: '…' };

export function ScanAnswerPanel(props: { view: AnswerView; onDismiss: () => void }) {
  const { view } = props;
  return (
    // Not a dialog: focus stays in the code field so the next scan goes straight in.
    <div class={`answer answer-${view.tone}`} data-testid="scan-answer" data-tone={view.tone}>
      <div class="answer-icon" aria-hidden="true">
        {ICONS[view.tone]}
      </div>
      <p class="answer-title">{view.title}</p>
      <p class="answer-detail">{view.detail}</p>
      {view.tone !== 'pending' && (
        <button type="button" class="button-answer" tabIndex={-1} onClick={props.onDismiss}>
          {t('station.dismiss')}
        </button>
      )}
    </div>
  );
}
