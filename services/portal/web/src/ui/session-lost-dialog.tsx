// When a session ends by itself (expired, revoked elsewhere): the page stays, this dialog says what happened and asks
// for the same person's password; the requests that met the end are sent again once they are signed in.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../api/http.js';
import { session, sessionLost, sessionPromptDeferred, sessionPromptOpen, signIn, signOut } from '../api/session.js';
import { formatDuration, t } from '../i18n/index.js';
import { describeError } from './describe-error.js';
import { PasswordField } from './text-field.js';
import { Banner } from './widgets.js';

/** Pages where the dialog has no place: signing in is what they are for. */
const SIGN_IN_PATHS = ['/sign-in', '/register'];

export function SessionLostPrompt() {
  const { path } = useLocation();
  const user = session.value;
  if (!sessionLost.value || !user || SIGN_IN_PATHS.includes(path)) return null;
  if (sessionPromptDeferred.value && !sessionPromptOpen.value) return null;
  return <SessionLostDialog username={user.username} />;
}

function SessionLostDialog({ username }: { username: string }) {
  const { route, url } = useLocation();
  const dialog = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      // keep() clears the lost mark: this dialog closes and the waiting requests go out again.
      await signIn(username, password);
    } catch (failure) {
      setBusy(false);
      setPassword('');
      if (failure instanceof ApiError && failure.status === 401) setError(t('signIn.wrong'));
      else if (failure instanceof ApiError && failure.status === 429) {
        setError(t('signIn.locked', { wait: formatDuration(failure.retryAfterSeconds ?? 60) }));
      } else setError(describeError(failure));
    }
  }

  async function someoneElse() {
    // What waited is dropped: it was the first person's to do.
    await signOut().catch(() => undefined);
    route(`/sign-in?next=${encodeURIComponent(url)}`);
  }

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="session-lost-title"
      data-testid="session-lost"
      onCancel={(event) => {
        // Escape closes it where the page asked for it by a tap (the station); elsewhere the page waits for it.
        event.preventDefault();
        if (sessionPromptDeferred.value) sessionPromptOpen.value = false;
      }}
    >
      <form onSubmit={submit}>
        <h2 id="session-lost-title">{t('sessionLost.title')}</h2>
        <div class="dialog-body">
          <p>{t('sessionLost.body', { name: username })}</p>
          {error && <Banner kind="error">{error}</Banner>}
          <PasswordField label={t('signIn.password')} value={password} onValue={setPassword} />
        </div>
        <div class="dialog-actions">
          <button type="button" class="button-secondary" onClick={() => void someoneElse()}>
            {t('sessionLost.someoneElse')}
          </button>
          <button type="submit" class="button-primary" disabled={busy}>
            {busy ? t('signIn.busy') : t('sessionLost.submit')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
