// Who a forwarded request is made for: the caller's own token and the ids that trace it upstream.
export interface Caller {
  /** The caller's verified access token, forwarded as-is; undefined for anonymous calls (login). */
  token: string | undefined;
  requestId: string;
  /** The client's address, told to identity so its login throttle counts per person, not per portal. */
  clientIp: string;
}
