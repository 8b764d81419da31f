// An event's ticket types on the admin's tickets page with their attention notes for the gate (issue 17 item 9):
// every ticket of a type with a note stops the station until the gate confirms it.
import type { TicketTypeNote } from '@tixgo/contracts';
import { useState } from 'preact/hooks';
import { endpoints } from '../api/endpoints.js';
import { t } from '../i18n/index.js';
import { useApi } from '../ui/use-api.js';
import { ErrorBanner, Loading } from '../ui/widgets.js';

export function TypeNotesCard({ eventId, version }: { eventId: string; version: number }) {
  const notes = useApi(() => endpoints.typeNotes(eventId), [eventId, version]);
  const [type, setType] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | undefined>(undefined);

  async function save(event: globalThis.Event) {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await endpoints.setTypeNote(eventId, type.trim(), note.trim() === '' ? null : note.trim());
      setSaved(answer.type);
      setError(undefined);
      await notes.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  /** Picks a listed type into the form, with its note to change or clear. */
  function edit(item: TicketTypeNote) {
    setType(item.type);
    setNote(item.note ?? '');
    setSaved(undefined);
  }

  const types = notes.data?.types ?? [];
  return (
    <section class="card" aria-labelledby="type-notes-title" data-testid="type-notes-card">
      <h2 id="type-notes-title">{t('typeNotes.title')}</h2>
      <p class="muted">{t('typeNotes.intro')}</p>
      {notes.error !== undefined && <ErrorBanner error={notes.error} retry={notes.reload} />}
      {!notes.data && notes.loading && <Loading />}
      {notes.data &&
        (types.length === 0 ? (
          <p class="muted">{t('typeNotes.none')}</p>
        ) : (
          <ul class="lists" data-testid="type-notes">
            {types.map((item) => (
              <li key={item.type}>
                <strong>{item.type}</strong> · {t('typeNotes.tickets', { count: item.tickets })} ·{' '}
                {item.note ? (
                  <span class="ticket-note">⚠ {item.note}</span>
                ) : (
                  <span class="muted">{t('typeNotes.noNote')}</span>
                )}{' '}
                <button type="button" class="button-secondary button-small" onClick={() => edit(item)}>
                  {t('typeNotes.edit', { type: item.type })}
                </button>
              </li>
            ))}
          </ul>
        ))}
      {error !== undefined && <ErrorBanner error={error} />}
      {saved && (
        <p class="banner banner-success" role="status">
          {t('typeNotes.saved', { type: saved })}
        </p>
      )}
      <form class="form" onSubmit={(submitted) => void save(submitted)}>
        <label class="field">
          <span>{t('typeNotes.type')}</span>
          <input
            value={type}
            required
            maxLength={50}
            placeholder="VIP"
            onInput={(typed) => setType(typed.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{t('typeNotes.note')}</span>
          <input
            value={note}
            maxLength={200}
            placeholder={t('typeNotes.placeholder')}
            onInput={(typed) => setNote(typed.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button-primary" disabled={busy || type.trim() === ''}>
          {t('typeNotes.save')}
        </button>
      </form>
    </section>
  );
}
