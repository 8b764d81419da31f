// An event's check-in lists (issue 16) on the admin's tickets page: each list's rules and counts, and a new list
// (an area or a day: re-entry, capacity, ticket types, opening hours).
import { useState } from 'preact/hooks';
import { endpoints } from '../api/endpoints.js';
import { formatDateTime, t } from '../i18n/index.js';
import { describeError } from '../ui/describe-error.js';
import { useApi } from '../ui/use-api.js';
import { ErrorBanner, Loading } from '../ui/widgets.js';

export function ListsCard({ eventId }: { eventId: string }) {
  const lists = useApi(() => endpoints.lists(eventId), [eventId]);
  const [name, setName] = useState('');
  const [reentry, setReentry] = useState(false);
  const [capacity, setCapacity] = useState('');
  const [types, setTypes] = useState('');
  const [opensAt, setOpensAt] = useState('');
  const [closesAt, setClosesAt] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function create(event: globalThis.Event) {
    event.preventDefault();
    setBusy(true);
    try {
      const typeList = types
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '');
      await endpoints.createList(eventId, {
        name: name.trim(),
        reentry,
        capacity: capacity.trim() === '' ? null : Number(capacity),
        ticket_types: typeList.length === 0 ? null : typeList,
        // datetime-local is the device's local time: sent as an instant.
        opens_at: opensAt ? new Date(opensAt).toISOString() : null,
        closes_at: closesAt ? new Date(closesAt).toISOString() : null,
      });
      setName('');
      setCapacity('');
      setTypes('');
      setOpensAt('');
      setClosesAt('');
      setReentry(false);
      setError(undefined);
      await lists.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="lists-title" data-testid="lists-card">
      <h2 id="lists-title">{t('lists.title')}</h2>
      <p class="muted">{t('lists.intro')}</p>
      {lists.error !== undefined && <ErrorBanner error={lists.error} retry={lists.reload} />}
      {!lists.data && lists.loading && <Loading />}
      {lists.data && (
        <ul class="lists" data-testid="lists">
          {lists.data.lists.map((list) => (
            <li key={list.id}>
              <strong>{list.id === 'main' ? t('gate.listMain') : list.name}</strong>{' '}
              <span class="muted">
                {[
                  list.reentry ? t('lists.reentry') : t('lists.once'),
                  list.capacity !== null ? t('lists.capacityOf', { capacity: list.capacity }) : undefined,
                  list.ticket_types ? list.ticket_types.join(', ') : undefined,
                  list.opens_at ? `${t('lists.opens')} ${formatDateTime(list.opens_at)}` : undefined,
                  list.closes_at ? `${t('lists.closes')} ${formatDateTime(list.closes_at)}` : undefined,
                  t('lists.counts', { checked: list.checked_in, inside: list.inside }),
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </li>
          ))}
        </ul>
      )}
      <form class="form" onSubmit={create}>
        <h3>{t('lists.add')}</h3>
        <label class="field">
          <span>{t('lists.name')}</span>
          <input required maxLength={100} value={name} onInput={(typed) => setName(typed.currentTarget.value)} />
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={reentry} onChange={(typed) => setReentry(typed.currentTarget.checked)} />
          <span>{t('lists.reentryLabel')}</span>
        </label>
        <label class="field">
          <span>{t('lists.capacity')}</span>
          <input type="number" min={0} value={capacity} onInput={(typed) => setCapacity(typed.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('lists.types')}</span>
          <input value={types} placeholder="VIP, Crew" onInput={(typed) => setTypes(typed.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('lists.opens')}</span>
          <input type="datetime-local" value={opensAt} onInput={(typed) => setOpensAt(typed.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('lists.closes')}</span>
          <input type="datetime-local" value={closesAt} onInput={(typed) => setClosesAt(typed.currentTarget.value)} />
        </label>
        {error !== undefined && <p class="field-error">{describeError(error)}</p>}
        <button type="submit" class="button-primary" disabled={busy}>
          {t('lists.addSubmit')}
        </button>
      </form>
    </section>
  );
}
