// The frame of every page: skip link, header with navigation by role, language switch, sign-out.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { session, signOut } from '../api/session.js';
import { language, setLanguage, t } from '../i18n/index.js';
import { PageNotice } from './page-notice.js';

function NavLink(props: { href: string; children: string }) {
  const { path } = useLocation();
  const current = path === props.href || path.startsWith(`${props.href}/`);
  return (
    <a href={props.href} aria-current={current ? 'page' : undefined}>
      {props.children}
    </a>
  );
}

export function Layout(props: { children: ComponentChildren; wide?: boolean }) {
  const { route, path } = useLocation();
  const user = session.value;
  const other = language.value === 'id' ? 'en' : 'id';
  // On a phone the header is one row (the brand and a menu button); the links and tools open below it.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <>
      <a class="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header class={`site-header${user ? '' : ' signed-out'}${menuOpen ? ' menu-open' : ''}`}>
        <a class="brand" href={user ? '/dashboard' : '/sign-in'}>
          <img src="/favicon.svg" alt="" width="28" height="28" /> {t('app.name')}
        </a>
        {user && (
          <button
            type="button"
            class="menu-toggle button-small"
            aria-expanded={menuOpen}
            aria-controls="site-menu"
            onClick={() => setMenuOpen((open) => !open)}
          >
            {t('nav.menu')}
          </button>
        )}
        <div class="site-menu" id="site-menu">
          {user && (
            <nav aria-label={t('nav.main')} class="site-nav">
              <NavLink href="/dashboard">{t('nav.dashboard')}</NavLink>
              <NavLink href="/station">{t('nav.station')}</NavLink>
              {user.role === 'admin' && <NavLink href="/admin/events">{t('nav.events')}</NavLink>}
              {user.role === 'admin' && <NavLink href="/admin/users">{t('nav.users')}</NavLink>}
            </nav>
          )}
          <div class="site-tools">
            <button
              type="button"
              class="button-link"
              lang={other}
              aria-label={t('app.languageLabel')}
              onClick={() => setLanguage(other)}
            >
              {t('app.language')}
            </button>
            {user && (
              <>
                <span class="who">{t('nav.signedInAs', { name: user.username, role: t(`role.${user.role}`) })}</span>
                <button
                  type="button"
                  class="button-secondary button-small"
                  onClick={async () => {
                    await signOut().catch(() => undefined);
                    route('/sign-in');
                  }}
                >
                  {t('nav.signOut')}
                </button>
              </>
            )}
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} class={props.wide ? 'main main-wide' : 'main'}>
        <PageNotice />
        {props.children}
      </main>
    </>
  );
}
