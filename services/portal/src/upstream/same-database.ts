// Attendance replicas must share one database (issue 18): each shows its database's id in /ready
// (migration 021 of attendance); replicas that show different ones would each accept the same
// ticket once, so the portal is not ready and says why in its log.
import type { ReadinessCheck } from '@tixgo/platform';
import { request } from 'undici';

/** The id a replica's /ready shows, or undefined when it does not answer (routed around anyway). */
async function databaseIdOf(baseUrl: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const { body } = await request(`${baseUrl.replace(/\/+$/, '')}/ready`, {
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const answer = (await body.json()) as { database_id?: unknown };
    return typeof answer.database_id === 'string' ? answer.database_id : undefined;
  } catch {
    return undefined;
  }
}

export function sameDatabaseCheck(
  baseUrls: string[],
  log: { error(obj: object, msg?: string): void },
  timeoutMs = 2000,
): ReadinessCheck {
  let reported = '';
  return async () => {
    const ids = await Promise.all(baseUrls.map((url) => databaseIdOf(url, timeoutMs)));
    const seen = baseUrls.flatMap((url, index) => (ids[index] === undefined ? [] : [`${url}: ${ids[index]}`]));
    if (new Set(ids.filter((id) => id !== undefined)).size <= 1) {
      reported = '';
      return;
    }
    const detail = `attendance replicas use different databases (${seen.join(', ')}): give every replica the same DATABASE_URL`;
    // Logged once per change, not at every probe of /ready.
    if (detail !== reported) log.error({ replicas: seen }, detail);
    reported = detail;
    throw new Error(detail);
  };
}
