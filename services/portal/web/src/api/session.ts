// The signed-in person, renewed silently before the access token expires (also across tabs), so a shift is never cut off.

import { signal } from '@preact/signals';
import type { SessionInfo } from '@tixgo/contracts';
import { ApiError, api, configureSessionRenewal } from './http.js';

/** undefined: not known yet (start-up); null: signed out. */
export const session = signal<SessionInfo | null | undefined>(undefined);
/**
 * Set when a session in use ended by itself (expired, revoked): the page stays as it is, a dialog says what
 * happened and asks for the password again, and the requests that met the end wait for it (resumeAfterSignIn).
 * The person stays in `session` meanwhile, so the page that was open (the station and its queue) stays open.
 */
export const sessionLost = signal(false);
/** The station asks for the dialog itself (a banner, then a tap): a modal over it would take the scanner's keys. */
export const sessionPromptDeferred = signal(false);
/** The dialog is asked for by a tap (where it is deferred). */
export const sessionPromptOpen = signal(false);

const RENEWED_AT_KEY = 'tixgo.session.renewedAt';
/**
 * Who was signed in, kept on the device (not a secret: the tokens stay in HttpOnly cookies), so the
 * station opens offline — after a reload or a phone restart — for the person it belongs to. Its
 * cookies go with the next request once the network is back; a refused one signs the person out.
 * Nobody remembered means nobody signed in: start-up then asks the portal nothing (loadSession).
 */
const SIGNED_IN_KEY = 'tixgo.session.user';

function rememberUser(info: SessionInfo | null): void {
  if (info) localStorage.setItem(SIGNED_IN_KEY, JSON.stringify({ username: info.username, role: info.role }));
  else localStorage.removeItem(SIGNED_IN_KEY);
}

function rememberedUser(): SessionInfo | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(SIGNED_IN_KEY) ?? 'null') as Partial<SessionInfo> | null;
    if (
      typeof value?.username !== 'string' ||
      (value.role !== 'admin' && value.role !== 'committee' && value.role !== 'supervisor')
    )
      return undefined;
    return { username: value.username, role: value.role, expires_in: 0 };
  } catch {
    return undefined;
  }
}
let renewal: Promise<boolean> | undefined;
let timer: number | undefined;
let expiresAt = 0;
/** The requests waiting for the person to sign in again: true when they did (resend), false when they gave up. */
const waiting: ((signedInAgain: boolean) => void)[] = [];

function settleWaiting(signedInAgain: boolean): void {
  for (const resolve of waiting.splice(0)) resolve(signedInAgain);
}

function keep(info: SessionInfo): void {
  const before = session.value;
  session.value = info;
  rememberUser(info);
  if (sessionLost.value) {
    sessionLost.value = false;
    sessionPromptOpen.value = false;
    // Someone else signing in does not finish the first person's actions.
    settleWaiting(before?.username === info.username);
  }
  expiresAt = Date.now() + info.expires_in * 1000;
  schedule();
}

/**
 * The session ended without the person signing out. With someone signed in (or remembered on this device) the
 * page stays and says so; nobody signed in: signed out, as before.
 */
function sessionEnded(): void {
  window.clearTimeout(timer);
  const who = session.value ?? rememberedUser();
  if (who) {
    session.value = who;
    sessionLost.value = true;
  } else {
    session.value = null;
  }
}

/**
 * For a request refused because the session ended: resolves true once the same person has signed in again (the
 * request is then sent again), false when they signed out or nobody is signed in.
 */
export function resumeAfterSignIn(): Promise<boolean> {
  if (!sessionLost.value) return Promise.resolve(false);
  return new Promise((resolve) => waiting.push(resolve));
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
      sessionEnded();
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
      // Ended: only a sign-in (here, or in another tab: the cookies are shared) brings it back.
      if (sessionLost.value) return (await readSession()) === 'signed-in';
      const renewedAt = Number(localStorage.getItem(RENEWED_AT_KEY) ?? 0);
      if (Date.now() - renewedAt < 5_000 && (await readSession()) === 'signed-in') return true;
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

type SessionRead = 'signed-in' | 'signed-out' | 'unreachable';

async function readSession(): Promise<SessionRead> {
  try {
    keep(await api<SessionInfo>('/api/session', { renewOn401: false }));
    return 'signed-in';
  } catch (error) {
    return error instanceof ApiError && error.isUnreachable ? 'unreachable' : 'signed-out';
  }
}

configureSessionRenewal(renewSession, () => {
  sessionEnded();
  return resumeAfterSignIn();
});

/**
 * At start-up: the session from its cookie, renewed when only the refresh cookie is left; with no
 * network, the person last signed in on this device (the station works offline for them).
 */
export async function loadSession(): Promise<void> {
  // Nobody is remembered as signed in on this device (a first visit, or signed out): the UI set no
  // cookie here that could hold a session, so it asks nobody — GET /api/session and the renewal would
  // only answer 401, twice, into the console. Every session this UI starts goes through keep(), which
  // remembers the person; one whose memory was wiped signs in again (and that ends the old session).
  if (rememberedUser() === undefined) {
    session.value = null;
    return;
  }
  const read = await readSession();
  if (read === 'signed-in') return;
  const offline = read === 'unreachable' ? rememberedUser() : undefined;
  if (offline) {
    session.value = offline;
    return;
  }
  // A refused renewal leaves the person remembered with the session marked lost: the page says so.
  if (!(await rotate()) && session.value === undefined) session.value = null;
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
    rememberUser(null);
    sessionLost.value = false;
    sessionPromptOpen.value = false;
    settleWaiting(false);
  }
}

// A phone asleep past its renewal time: renew as soon as the page is looked at again.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session.value && expiresAt - Date.now() < 150_000) {
    void renewSession();
  }
});
