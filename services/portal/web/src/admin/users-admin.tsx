// Admin: users — change a role, delete an account, create one; the last-admin rule is shown, not only refused, and
// demoting or deleting yourself is confirmed first (you lose the admin pages / are signed out).
import type { UserDetail } from '@tixgo/contracts';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { renewSession, session, signOut } from '../api/session.js';
import { formatDateTime, t } from '../i18n/index.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { describeError } from '../ui/describe-error.js';
import { Layout } from '../ui/layout.js';
import { noticeOnNextPage } from '../ui/page-notice.js';
import { PasswordField, UsernameField } from '../ui/text-field.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading, PageTitle, TableScroll } from '../ui/widgets.js';

type Message = { kind: 'success' | 'error'; text: string };

function CreateUser(props: { onCreated: (message: Message) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('committee');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  return (
    <section class="card" aria-labelledby="create-user-title">
      <h2 id="create-user-title">{t('users.create')}</h2>
      {error && <Banner kind="error">{error}</Banner>}
      <form
        class="form form-inline"
        onSubmit={async (submitted) => {
          submitted.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const created = await endpoints.createUser({ username: username.trim(), password, role });
            props.onCreated({ kind: 'success', text: t('users.created', { name: created.username }) });
            // A fresh form: the next account is a committee member unless admin is chosen again.
            setUsername('');
            setPassword('');
            setRole('committee');
          } catch (failure) {
            setError(
              failure instanceof ApiError && failure.status === 409 ? t('register.taken') : describeError(failure),
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        <UsernameField label={t('signIn.username')} value={username} onValue={setUsername} register />
        <PasswordField label={t('signIn.password')} value={password} onValue={setPassword} isNew />
        <label class="field">
          <span>{t('users.colRole')}</span>
          <select value={role} onChange={(chosen) => setRole(chosen.currentTarget.value)}>
            <option value="committee">{t('role.committee')}</option>
            <option value="admin">{t('role.admin')}</option>
          </select>
        </label>
        <button type="submit" class="button-primary" disabled={busy}>
          {t('users.createSubmit')}
        </button>
      </form>
    </section>
  );
}

export function UsersPage() {
  const { route } = useLocation();
  const users = useApi(() => endpoints.users(), []);
  const [message, setMessage] = useState<Message | undefined>(undefined);
  const [deleting, setDeleting] = useState<UserDetail | undefined>(undefined);
  const [demotingMyself, setDemotingMyself] = useState(false);
  const [resetting, setResetting] = useState<UserDetail | undefined>(undefined);
  const [newPassword, setNewPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const me = session.value?.username;
  const list = users.data?.users;
  const admins = list?.filter((user) => user.role === 'admin').length ?? 0;

  async function act(work: () => Promise<unknown>, success: string) {
    setBusy(true);
    try {
      await work();
      setMessage({ kind: 'success', text: success });
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    } finally {
      setBusy(false);
      setDeleting(undefined);
      await users.reload();
    }
  }

  /** A change to your own account: done, you leave this page (`leave`); refused, it says why and you stay. */
  async function actOnMyself(work: () => Promise<unknown>, leave: () => Promise<void>) {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
      setBusy(false);
      setDeleting(undefined);
      setDemotingMyself(false);
      return;
    }
    await leave();
  }

  /**
   * Identity revokes a token whose role changed: the session is renewed (now as committee) and the
   * person goes to the dashboard, the admin pages being closed to them from here on.
   */
  const demoteMyself = (name: string) =>
    actOnMyself(
      () => endpoints.changeRole(name, 'committee'),
      async () => {
        noticeOnNextPage('/dashboard', 'info', 'users.selfDemoted');
        route('/dashboard');
        await renewSession();
      },
    );

  /** The account is gone, and with it the session: sign out here and say so on the sign-in page. */
  const deleteMyself = (name: string) =>
    actOnMyself(
      () => endpoints.deleteUser(name),
      async () => {
        noticeOnNextPage('/sign-in', 'info', 'users.selfDeleted', { name });
        // Routed first, so the admin page never sees itself signed out (it would ask to sign in again and come back here).
        route('/sign-in', true);
        await signOut().catch(() => undefined);
      },
    );

  const deletingMyself = deleting !== undefined && deleting.username === me;
  return (
    <Layout wide>
      <PageTitle>{t('users.title')}</PageTitle>
      {message && <Banner kind={message.kind}>{message.text}</Banner>}
      {users.error !== undefined && <ErrorBanner error={users.error} retry={users.reload} />}
      {!list && users.loading && <Loading />}
      {admins === 1 && <p class="note">{t('users.lastAdmin')}</p>}
      {list && (
        <TableScroll label={t('users.title')}>
          <table class="data-table stacked-table">
            <thead>
              <tr>
                <th scope="col">{t('users.colName')}</th>
                <th scope="col">{t('users.colRole')}</th>
                <th scope="col">{t('users.colCreated')}</th>
                <th scope="col">{t('users.colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((user) => {
                const isLastAdmin = user.role === 'admin' && admins <= 1;
                return (
                  <tr key={user.username}>
                    <th scope="row">
                      {user.username} {user.username === me && <span class="muted">{t('users.you')}</span>}
                    </th>
                    <td data-label={t('users.colRole')}>
                      <select
                        class="role-select"
                        aria-label={t('users.roleLabel', { name: user.username })}
                        value={user.role}
                        disabled={busy || isLastAdmin}
                        aria-describedby={isLastAdmin ? 'last-admin-note' : undefined}
                        onChange={(chosen) => {
                          const role = chosen.currentTarget.value;
                          if (user.username === me && role !== 'admin') {
                            // Asked first; until confirmed, the select shows the role you still have.
                            chosen.currentTarget.value = user.role;
                            setDemotingMyself(true);
                            return;
                          }
                          void act(
                            () => endpoints.changeRole(user.username, role),
                            t('users.changed', { name: user.username, role: t(`role.${role as 'admin'}`) }),
                          );
                        }}
                      >
                        <option value="committee">{t('role.committee')}</option>
                        <option value="supervisor">{t('role.supervisor')}</option>
                        <option value="admin">{t('role.admin')}</option>
                      </select>
                      {isLastAdmin && (
                        <span id="last-admin-note" class="sr-only">
                          {t('users.lastAdmin')}
                        </span>
                      )}
                    </td>
                    <td data-label={t('users.colCreated')}>{formatDateTime(user.created_at)}</td>
                    <td class="row-actions">
                      <button
                        type="button"
                        class="button-link"
                        disabled={busy}
                        aria-label={t('users.resetLabel', { name: user.username })}
                        onClick={() => {
                          setNewPassword('');
                          setResetting(user);
                        }}
                      >
                        {t('users.reset')}
                      </button>
                      <button
                        type="button"
                        class="button-link danger"
                        disabled={busy || isLastAdmin}
                        aria-label={`${t('users.delete')}: ${user.username}`}
                        onClick={() => setDeleting(user)}
                      >
                        {t('users.delete')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
      <CreateUser
        onCreated={(created) => {
          setMessage(created);
          void users.reload();
        }}
      />
      {demotingMyself && me && (
        <ConfirmDialog
          title={t('users.selfDemoteTitle')}
          confirmLabel={t('users.selfDemoteConfirm')}
          busy={busy}
          onCancel={() => setDemotingMyself(false)}
          onConfirm={() => void demoteMyself(me)}
        >
          <p>{t('users.selfDemoteBody')}</p>
        </ConfirmDialog>
      )}
      {resetting && (
        <ConfirmDialog
          title={t('users.resetTitle', { name: resetting.username })}
          confirmLabel={t('users.resetConfirm')}
          busy={busy}
          ready={newPassword.length >= 4}
          onCancel={() => setResetting(undefined)}
          onConfirm={() =>
            void act(
              () => endpoints.resetPassword(resetting.username, newPassword),
              t('users.resetDone', { name: resetting.username }),
            ).then(() => setResetting(undefined))
          }
        >
          <p>{t('users.resetBody')}</p>
          <label class="field">
            <span>{t('users.newPassword')}</span>
            <input
              type="text"
              autoComplete="new-password"
              minLength={4}
              maxLength={200}
              value={newPassword}
              onInput={(typed) => setNewPassword(typed.currentTarget.value)}
            />
          </label>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={t(deletingMyself ? 'users.selfDeleteTitle' : 'users.deleteTitle', { name: deleting.username })}
          confirmLabel={t(deletingMyself ? 'users.selfDeleteConfirm' : 'users.deleteConfirm')}
          busy={busy}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() =>
            void (deletingMyself
              ? deleteMyself(deleting.username)
              : act(() => endpoints.deleteUser(deleting.username), t('users.deleted', { name: deleting.username })))
          }
        >
          <p>{t(deletingMyself ? 'users.selfDeleteBody' : 'users.deleteBody')}</p>
        </ConfirmDialog>
      )}
    </Layout>
  );
}
