// Create an account (committee), with clear answers for a taken name, closed registration and bad fields.

import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { endpoints } from '../api/endpoints.js';
import { ApiError, api } from '../api/http.js';
import { t } from '../i18n/index.js';
import { describeError } from '../ui/describe-error.js';
import { Layout } from '../ui/layout.js';
import { PasswordField, UsernameField } from '../ui/text-field.js';
import { Banner, PageTitle } from '../ui/widgets.js';

function registerError(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) return t('register.taken');
  if (error instanceof ApiError && error.status === 403) return t('register.closed');
  return describeError(error);
}

export function RegisterPage() {
  const { route } = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  // Where only an admin creates accounts, say so at once instead of after a filled-in form.
  const [closed, setClosed] = useState(false);
  useEffect(() => {
    endpoints.authSettings().then(
      (settings) => setClosed(!settings.registration_open),
      () => undefined,
    );
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    if (password !== confirm) {
      setError(t('register.mismatch'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<{ username: string }>('/api/auth/register', {
        method: 'POST',
        json: { username: username.trim(), password },
        renewOn401: false,
      });
      const name = encodeURIComponent(created.username);
      route(`/sign-in?registered=${name}&username=${name}`);
    } catch (failure) {
      setError(registerError(failure));
      setBusy(false);
    }
  }

  return (
    <Layout>
      <section class="card narrow" aria-labelledby="page-title">
        <PageTitle>{t('register.title')}</PageTitle>
        <p>{t('register.intro')}</p>
        {error && <Banner kind="error">{error}</Banner>}
        {closed && <Banner kind="warning">{t('register.closed')}</Banner>}
        {!closed && (
          <form onSubmit={submit} class="form">
            <UsernameField label={t('register.username')} value={username} onValue={setUsername} register />
            <PasswordField label={t('register.password')} value={password} onValue={setPassword} isNew />
            <PasswordField label={t('register.confirm')} name="confirm" value={confirm} onValue={setConfirm} isNew />
            <button type="submit" class="button-primary" disabled={busy}>
              {busy ? t('register.busy') : t('register.submit')}
            </button>
          </form>
        )}
        <p>
          {t('register.haveAccount')} <a href="/sign-in">{t('register.signInLink')}</a>
        </p>
      </section>
    </Layout>
  );
}
