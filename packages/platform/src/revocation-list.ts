// The access tokens identity has revoked (role changed, account deleted, session ended), held in memory by every service.
import type { RevocationEntry } from '@tixgo/contracts';

/** What a token must carry for the list to judge it (see AccessTokenClaims). */
export interface RevocableClaims {
  uid: string;
  sid: string;
  ver: number;
}

/** How current the list is, for /ready: never loaded, loaded recently, or loaded long ago. */
export interface RevocationStatus {
  state: 'unavailable' | 'current' | 'stale';
  /** Seconds since the list was last confirmed by its source; null before the first time. */
  age_seconds: number | null;
}

/**
 * Lookups are a Map/Set probe each: this runs on every verified request (check-ins included).
 * `staleAfterMs` is how long the list counts as current after its source last confirmed it.
 */
export class RevocationList {
  private minVersions = new Map<string, number>();
  private deletedUids = new Set<string>();
  private endedSessions = new Set<string>();
  private confirmedAt: number | undefined;

  constructor(private readonly staleAfterMs: number) {}

  isRevoked(claims: RevocableClaims): boolean {
    if (this.endedSessions.has(claims.sid) || this.deletedUids.has(claims.uid)) return true;
    const minVersion = this.minVersions.get(claims.uid);
    return minVersion !== undefined && claims.ver < minVersion;
  }

  /** Replaces the whole list with the source's current one. */
  replace(entries: readonly RevocationEntry[]): void {
    const minVersions = new Map<string, number>();
    const deletedUids = new Set<string>();
    const endedSessions = new Set<string>();
    for (const entry of entries) {
      if ('sid' in entry) endedSessions.add(entry.sid);
      else if ('deleted' in entry) deletedUids.add(entry.uid);
      else minVersions.set(entry.uid, Math.max(entry.min_ver, minVersions.get(entry.uid) ?? 0));
    }
    this.minVersions = minVersions;
    this.deletedUids = deletedUids;
    this.endedSessions = endedSessions;
    this.confirm();
  }

  /** Adds one entry at once (identity, right after its own change), before the next full replace. */
  add(entry: RevocationEntry): void {
    if ('sid' in entry) this.endedSessions.add(entry.sid);
    else if ('deleted' in entry) this.deletedUids.add(entry.uid);
    else this.minVersions.set(entry.uid, Math.max(entry.min_ver, this.minVersions.get(entry.uid) ?? 0));
  }

  /** The source answered that nothing changed (a 304): the list is current again. */
  confirm(now = Date.now()): void {
    this.confirmedAt = now;
  }

  get size(): number {
    return this.minVersions.size + this.deletedUids.size + this.endedSessions.size;
  }

  status(now = Date.now()): RevocationStatus {
    if (this.confirmedAt === undefined) return { state: 'unavailable', age_seconds: null };
    const ageMs = Math.max(0, now - this.confirmedAt);
    return { state: ageMs > this.staleAfterMs ? 'stale' : 'current', age_seconds: Math.floor(ageMs / 1000) };
  }
}
