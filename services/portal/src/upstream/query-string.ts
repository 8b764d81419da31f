// Rebuilds a validated query object as the query string forwarded upstream.

/** `?a=1&b=x` from the defined values of `query` (already validated by the route's schema); '' when none. */
export function queryString(query: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
