// Sign in: clear answers for a wrong password, a lock-out (how long to wait) and an unreachable server; the cursor where the next key goes.

import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { sessionLost, signIn } from '../api/session.js';
import { formatDuration, t } from '../i18n/index.js';
import { describeError } from '../ui/describe-error.js';
import { Layout } from '../ui/layout.js';
import { PasswordField, UsernameField } from '../ui/text-field.js';
import { Banner, PageTitle } from '../ui/widgets.js';

function signInError(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return t('signIn.wrong');
  if (error instanceof ApiError && error.status === 429) {
    return t('signIn.locked', { wait: formatDuration(error.retryAfterSeconds ?? 60) });
  }
  return describeError(error);
}

/** Only paths of this app: `next` must not send the person to another site. */
function safeNext(next: string | undefined): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/dashboard';
}

export function SignInPage() {
  const { route, query } = useLocation();
  const [username, setUsername] = useState(query.username ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  // "Create an account" only where identity lets anyone register; unknown (offline, identity away): not offered.
  const [registrationOpen, setRegistrationOpen] = useState<boolean | undefined>(undefined);
  const form = useRef<HTMLFormElement>(null);
  const field = (name: 'username' | 'password') => form.current?.elements.namedItem(name) as HTMLInputElement | null;

  // The first empty field takes the typing: the username, or the password after registering (?username=).
  useEffect(() => {
    field(query.username ? 'password' : 'username')?.focus();
    endpoints.authSettings().then(
      (settings) => setRegistrationOpen(settings.registration_open),
      () => setRegistrationOpen(undefined),
    );
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username.trim(), password);
      route(safeNext(query.next), true);
    } catch (failure) {
      setError(signInError(failure));
      setBusy(false);
      // A wrong password is typed again from scratch; the username stays as it was.
      if (failure instanceof ApiError && failure.status === 401) {
        setPassword('');
        field('password')?.focus();
      }
    }
  }

  return (
    <Layout>
      <section class="card narrow" aria-labelledby="page-title">
        <PageTitle>{t('signIn.title')}</PageTitle>
        <p>{t('signIn.intro')}</p>
        {sessionLost.value && <Banner kind="warning">{t('banner.sessionExpired')}</Banner>}
        {query.registered && <Banner kind="success">{t('register.done', { name: query.registered })}</Banner>}
        {error && <Banner kind="error">{error}</Banner>}
        <form ref={form} onSubmit={submit} class="form">
          <UsernameField label={t('signIn.username')} value={username} onValue={setUsername} />
          <PasswordField label={t('signIn.password')} value={password} onValue={setPassword} />
          <button type="submit" class="button-primary" disabled={busy}>
            {busy ? t('signIn.busy') : t('signIn.submit')}
          </button>
        </form>
        {registrationOpen === true && (
          <p data-testid="register-offer">
            {t('signIn.noAccount')} <a href="/register">{t('signIn.registerLink')}</a>
          </p>
        )}
        {registrationOpen === false && (
          <p class="muted" data-testid="register-offer">
            {t('signIn.askAdmin')}
          </p>
        )}
      </section>
    </Layout>
  );
}
