// The full-screen answer to a scan: colour, a word no one can misread, the detail, and the same text for screen readers.
import { formatGateTime, formatTime, type MessageKey, t } from '../i18n/index.js';
import type { StoredScan } from '../offline/device-store.js';
import { describeDetail, describeProblems } from '../ui/describe-problems.js';
import type { Refusal } from './scan-client.js';
import type { StationScanResult } from './station-engine.js';

export type Tone = 'ok' | 'out' | 'repeat' | 'warn' | 'error' | 'saved' | 'pending';

export interface AnswerView {
  tone: Tone;
  title: string;
  detail: string;
  /** A full list: a supervisor may let the person in anyway (issue 16). */
  canOverride?: boolean;
  /** Whom the ticket is for and its type, shown large on an admission: staff compare ticket and person. */
  holderName?: string | null | undefined;
  ticketType?: string | null | undefined;
  /** An attention ticket's note: the answer stays until the gate taps to confirm (issue 17 item 9). */
  attention?: string | undefined;
}

/** A gate rule's refusal (issue 16): amber for where the ticket is (in, out), red for a rule that says no. */
export function refusedView(
  ticket: string,
  refusal: Refusal,
  extra: { cancelReason: string | null; ticketType: string | null; isSupervisor: boolean },
): AnswerView {
  const amber = refusal === 'already-used' || refusal === 'already-inside' || refusal === 'not-inside';
  const detailKey =
    refusal === 'wrong-type' && extra.ticketType === null
      ? 'gate.detail.wrong-typeNone'
      : (`gate.detail.${refusal}` as const);
  let detail = t(detailKey, { ticket, type: extra.ticketType ?? '' });
  // The reason is a supervisor's to know (the gate says only "cancelled").
  if (refusal === 'cancelled' && extra.isSupervisor && extra.cancelReason) {
    detail += ` ${t('gate.cancelReason', { reason: extra.cancelReason })}`;
  }
  return {
    tone: amber ? 'warn' : 'error',
    title: t(`gate.refused.${refusal}`),
    detail,
    canOverride: refusal === 'full' && extra.isSupervisor,
  };
}

function gateDetail(key: 'station.duplicateDetail' | 'station.duplicateDetailNoGate', values: Record<string, string>) {
  return t(values.gate ? key : 'station.duplicateDetailNoGate', values);
}

/** The tones of a person let in (or out): the answer names them. */
const ADMITTED: ReadonlySet<Tone> = new Set(['ok', 'repeat', 'saved']);

export function viewOf(result: StationScanResult, isSupervisor = false): AnswerView {
  const { holder } = result;
  // Named large, the holder is not repeated in the detail.
  const view = answerView(result, isSupervisor, holder?.name != null);
  if (!holder || !ADMITTED.has(view.tone) || result.answer.kind === 'refused') return view;
  // A double read of an attention ticket was confirmed a moment ago: it does not stop the gate again.
  const attention = holder.note && view.tone !== 'repeat' ? holder.note : undefined;
  return { ...view, holderName: holder.name, ticketType: holder.type, attention };
}

function answerView(
  { ticketId: ticket, answer }: StationScanResult,
  isSupervisor: boolean,
  named: boolean,
): AnswerView {
  const withName = (name: string | null) => (name && !named ? `${ticket} · ${name}` : ticket);
  if (answer.source === 'device') {
    switch (answer.kind) {
      case 'out':
        return {
          tone: 'saved',
          title: t('gate.savedOut'),
          detail: answer.holderName ? `${ticket} · ${answer.holderName}` : ticket,
        };
      case 'refused':
        return refusedView(ticket, answer.refusal, { ...answer, isSupervisor });
      case 'saved':
        return savedView(withName(answer.holderName));
      case 'seen': {
        const key: MessageKey = answer.onThisDevice ? 'station.seenHere' : 'station.seenBefore';
        return {
          tone: 'warn',
          title: t('station.duplicate'),
          detail: `${ticket}: ${t(key, { time: formatTime(answer.at), by: answer.by ?? '', gate: answer.gate ?? '—' })}`,
        };
      }
      case 'unknown':
        return { tone: 'error', title: t('station.unknown'), detail: t('station.unknownOffline', { ticket }) };
      case 'repeat': {
        const who = withName(answer.holderName);
        return {
          tone: 'repeat',
          title: t('station.repeat'),
          detail: t('station.repeatDetail', { ticket: who, count: answer.secondsAgo }),
        };
      }
    }
  }
  switch (answer.kind) {
    case 'ok':
      return { tone: 'ok', title: t('station.ok'), detail: ticket };
    case 'out':
      return { tone: 'out', title: t('gate.out.title'), detail: ticket };
    case 'refused':
      return refusedView(ticket, answer.refusal, { ...answer, isSupervisor });
    case 'duplicate': {
      const values = {
        // When the ticket was at a gate: an offline scan's own time, not its upload's.
        time: formatTime(answer.first.scanned_at ?? answer.first.checked_in_at),
        by: answer.first.checked_in_by,
        gate: answer.first.location ?? '',
      };
      return {
        tone: 'warn',
        title: t('station.duplicate'),
        detail: `${ticket}: ${gateDetail('station.duplicateDetail', values)}`,
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
    case 'scan-time':
      return { tone: 'error', title: t('station.scanTime'), detail: t('station.scanTimeDetail', { ticket }) };
    case 'invalid':
      return {
        tone: 'error',
        title: t('station.invalid'),
        // The server's field problems in the page's language ("Kode tiket: paling banyak 100 karakter").
        detail: t('station.invalidDetail', {
          detail: answer.problems ? describeProblems(answer.problems) : describeDetail(answer.detail),
        }),
      };
  }
}

/** A scan saved on the device while offline, before its upload has been answered. */
export function savedView(ticket: string): AnswerView {
  return { tone: 'saved', title: t('station.saved'), detail: t('station.savedDetail', { ticket }) };
}

/** What became of a scan saved on the device once the server has answered its upload. */
export function answeredView(scan: StoredScan): AnswerView {
  const ticket = scan.ticketId;
  switch (scan.outcome) {
    case 'checked-in':
      return { tone: 'ok', title: t('station.sentOk'), detail: ticket };
    case 'checked-out':
      return { tone: 'out', title: t('gate.sentOut'), detail: ticket };
    case 'conflict':
    case 'duplicate':
      return {
        tone: 'warn',
        title: t(scan.outcome === 'conflict' ? 'station.sentConflict' : 'station.duplicate'),
        detail: scan.firstAt
          ? `${ticket}: ${gateDetail('station.duplicateDetail', {
              time: formatTime(scan.firstAt),
              by: scan.firstBy ?? '',
              gate: scan.firstGate ?? '',
            })}`
          : ticket,
      };
    case 'scan-time':
      // Kept in the list with what happened: the server did not record it (issue 15 item 12's bound).
      return {
        tone: 'error',
        title: t('station.scanTime'),
        detail: t('station.scanTimeSent', { ticket, time: formatGateTime(scan.scannedAt) }),
      };
    case 'invalid':
      return { tone: 'error', title: t('station.sentRefused'), detail: t('station.sentInvalid', { ticket }) };
    default:
      return { tone: 'error', title: t('station.sentRefused'), detail: t('station.unknownDetail', { ticket }) };
  }
}

const ICONS: Record<Tone, string> = { ok: '✓', out: '↗', repeat: '✓', warn: '!', error: '✕', saved: '⇪', pending: '…' };

export function ScanAnswerPanel(props: {
  view: AnswerView;
  onDismiss: () => void;
  onOverride?: () => void;
  /** Scans refused while an attention ticket waits for its confirmation. */
  heldScans?: number;
}) {
  const { view } = props;
  return (
    // Not a dialog: focus stays in the code field so the next scan goes straight in.
    <div
      class={`answer answer-${view.tone}${view.attention ? ' answer-attention' : ''}`}
      data-testid="scan-answer"
      data-tone={view.tone}
      data-attention={view.attention ? 'true' : undefined}
    >
      <div class="answer-icon" aria-hidden="true">
        {ICONS[view.tone]}
      </div>
      <p class="answer-title">{keepHyphenatedWords(view.title)}</p>
      {view.holderName && (
        <p class="answer-name" data-testid="answer-name">
          {view.holderName}
        </p>
      )}
      {view.ticketType && (
        <p class="answer-type" data-testid="answer-type">
          {view.ticketType}
        </p>
      )}
      <p class="answer-detail">{view.detail}</p>
      {view.attention && (
        <div class="answer-note" role="alert" data-testid="answer-note">
          <strong>{t('station.attention')}</strong> {view.attention}
          {(props.heldScans ?? 0) > 0 && (
            <p class="answer-held" data-testid="answer-held">
              {t('station.attentionHeld', { count: props.heldScans ?? 0 })}
            </p>
          )}
        </div>
      )}
      {view.canOverride && props.onOverride && (
        <button type="button" class="button-answer" data-testid="override" onClick={props.onOverride}>
          {t('gate.override')}
        </button>
      )}
      {view.tone !== 'pending' && (
        <button
          type="button"
          class={view.attention ? 'button-answer button-confirm' : 'button-answer'}
          tabIndex={-1}
          onClick={props.onDismiss}
        >
          {view.attention ? t('station.attentionConfirm') : t('station.dismiss')}
        </button>
      )}
    </div>
  );
}

/**
 * "Berhasil check-in" at 360 px broke after the hyphen ("check-" / "in"): a word with a hyphen is
 * kept on one line; the title still wraps between words.
 */
function keepHyphenatedWords(title: string) {
  return title.split(/(\S+-\S+)/).map((part, index) => (index % 2 === 1 ? <span class="no-break">{part}</span> : part));
}
