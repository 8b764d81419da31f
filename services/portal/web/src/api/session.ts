// The signed-in person, renewed silently before the access token expires (also across tabs), so a shift is never cut off.

import { signal } from '@preact/signals';
import type { SessionInfo } from '@tixgo/contracts';
import { ApiError, api, configureSessionRenewal } from './http.js';

/** undefined: not known yet (start-up); null: signed out. */
export const session = signal<SessionInfo | null | undefined>(undefined);
/** Set when a session ended by itself (expired, revoked): the sign-in page says so. */
export const sessionLost = signal(false);

const RENEWED_AT_KEY = 'tixgo.session.renewedAt';
let renewal: Promise<boolean> | undefined;
let timer: number | undefined;
let expiresAt = 0;

function keep(info: SessionInfo): void {
  session.value = info;
  sessionLost.value = false;
  expiresAt = Date.now() + info.expires_in * 1000;
  schedule();
}

/** Renews two minutes before expiry (or at 80 % of a short lifetime). */
function schedule(): void {
  window.clearTimeout(timer);
  const lifetime = expiresAt - Date.now();
  if (lifetime <= 0) return;
  const lead = Math.min(120_000, lifetime * 0.2);
  timer = window.setTimeout(() => void renewSession(), lifetime - lead);
}

async function rotate(): Promise<boolean> {
  try {
    keep(await api<SessionInfo>('/api/session/refresh', { method: 'POST', renewOn401: false }));
    localStorage.setItem(RENEWED_AT_KEY, String(Date.now()));
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.value = null;
      return false;
    }
    // Unreachable: the session may still be good; try again on the next need.
    return false;
  }
}

/**
 * Renews the session once even when several calls (or tabs) ask at the same moment: tabs share the
 * refresh cookie, and a tab that waited for another's renewal only needs to read the new session.
 */
export function renewSession(): Promise<boolean> {
  renewal ??= (async () => {
    const run = async () => {
      const renewedAt = Number(localStorage.getItem(RENEWED_AT_KEY) ?? 0);
      if (Date.now() - renewedAt < 5_000 && (await readSession())) return true;
      return rotate();
    };
    try {
      return navigator.locks ? await navigator.locks.request('tixgo-session-renewal', run) : await run();
    } finally {
      renewal = undefined;
    }
  })();
  return renewal;
}

async function readSession(): Promise<boolean> {
  try {
    keep(await api<SessionInfo>('/api/session', { renewOn401: false }));
    return true;
  } catch {
    return false;
  }
}

configureSessionRenewal(renewSession, () => {
  if (session.value) sessionLost.value = true;
  session.value = null;
});

/** At start-up: the session from its cookie, renewed when only the refresh cookie is left. */
export async function loadSession(): Promise<void> {
  if (await readSession()) return;
  if (!(await rotate())) session.value = null;
}

export async function signIn(username: string, password: string): Promise<SessionInfo> {
  const info = await api<SessionInfo>('/api/session', {
    method: 'POST',
    json: { username, password },
    renewOn401: false,
  });
  keep(info);
  return info;
}

export async function signOut(): Promise<void> {
  window.clearTimeout(timer);
  try {
    await api('/api/session', { method: 'DELETE', renewOn401: false });
  } finally {
    session.value = null;
    sessionLost.value = false;
  }
}

// A phone asleep past its renewal time: renew as soon as the page is looked at again.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session.value && expiresAt - Date.now() < 150_000) {
    void renewSession();
  }
});
