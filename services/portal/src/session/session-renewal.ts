// Renewing a browser session: concurrent renewals with the same refresh token share one rotation at identity.
//
// Why: identity rotates a refresh token on every use and revokes the whole session when an
// already-used token comes back (theft detection). Two tabs of one browser share the refresh cookie
// and may both renew at the same moment; the second would be taken for a thief and sign the person
// out mid-shift. So the portal answers every renewal that carries the same token within a short
// window with the one rotation's result. Hand-written: it is a keyed promise cache of a few lines,
// and the window has to outlive the promise (a tab whose request arrives just after the first
// finished still needs the same answer).
import { createHash } from 'node:crypto';

/** How long a rotation's result answers repeats of the same refresh token. */
export const RENEWAL_REUSE_MS = 10_000;
/** Renewals remembered at once (each is a few hundred bytes); the oldest go first. */
const MAX_REMEMBERED = 10_000;

interface Remembered<T> {
  result: Promise<T>;
  until: number;
}

export class SessionRenewals<T> {
  private readonly recent = new Map<string, Remembered<T>>();

  constructor(private readonly reuseMs = RENEWAL_REUSE_MS) {}

  /** Runs `rotate` once per refresh token within the window; a failed rotation is not remembered. */
  renew(refreshToken: string, rotate: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const key = createHash('sha256').update(refreshToken).digest('base64url');
    const known = this.recent.get(key);
    if (known && known.until > now) return known.result;
    this.forgetExpired(now);
    const result = rotate();
    this.recent.set(key, { result, until: now + this.reuseMs });
    result.catch(() => this.recent.delete(key));
    return result;
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.recent) {
      if (entry.until > now && this.recent.size < MAX_REMEMBERED) break;
      this.recent.delete(key);
    }
  }
}
