// The portal endpoints the UI calls, typed by the contracts the services share.
import type {
  Annulled,
  AuthSettings,
  CheckinConflict,
  CheckinList,
  CheckinLists,
  ConflictList,
  Event,
  EventCheckin,
  EventCheckinList,
  EventStats,
  GateCount,
  Mailing,
  MailingList,
  Overview,
  OverviewEvent,
  PhoneSetup,
  TicketHistory,
  TicketList,
  TicketSearchResult,
  TicketState,
  TicketsIssued,
  TicketTypeNote,
  TicketTypeNotes,
  TimelineBucket,
  UserDetail,
} from '@tixgo/contracts';
import { api } from './http.js';

const segment = encodeURIComponent;

export type { EventStats, GateCount, Overview, TimelineBucket };
export type EventOverview = OverviewEvent;
export type CheckinRow = EventCheckin;
export type CheckinPage = EventCheckinList;

export type { CheckinList, Mailing, PhoneSetup, TicketHistory };

export const endpoints = {
  /** Public: whether the sign-in page offers "create an account". */
  authSettings: () => api<AuthSettings>('/api/auth/settings', { renewOn401: false }),
  /** Admin: how gate phones come to trust the portal (the dashboard's QR code). */
  phoneSetup: () => api<PhoneSetup>('/api/phone-setup'),
  overview: () => api<Overview>('/api/overview'),
  events: () => api<Event[]>('/api/events'),
  event: (id: string) => api<Event>(`/api/events/${segment(id)}`),
  stats: (id: string, bucket: number) => api<EventStats>(`/api/events/${segment(id)}/stats?bucket=${bucket}`),
  checkins: (id: string, query: { q?: string; gate?: string; cursor?: string; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(name, String(value));
    const text = params.toString();
    return api<CheckinPage>(`/api/events/${segment(id)}/checkins${text ? `?${text}` : ''}`);
  },
  searchTickets: (id: string, q: string) =>
    api<TicketSearchResult>(`/api/events/${segment(id)}/tickets/search?q=${segment(q)}`),
  tickets: (id: string, cursor?: string, limit = 100, options: { sort?: 'code' | 'import'; q?: string } = {}) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (cursor) params.set('cursor', cursor);
    if (options.sort) params.set('sort', options.sort);
    if (options.q) params.set('q', options.q);
    return api<TicketList>(`/api/events/${segment(id)}/tickets?${params}`);
  },
  typeNotes: (id: string) => api<TicketTypeNotes>(`/api/events/${segment(id)}/ticket-type-notes`),
  setTypeNote: (id: string, type: string, note: string | null) =>
    api<TicketTypeNote>(`/api/events/${segment(id)}/ticket-type-notes`, { method: 'PUT', json: { type, note } }),
  updateTicket: (
    id: string,
    ticketId: string,
    body: { holder_name?: string | null; holder_email?: string | null; note?: string | null },
  ) => api<TicketState>(`/api/events/${segment(id)}/tickets/${segment(ticketId)}`, { method: 'PATCH', json: body }),
  sendTickets: (id: string, ticketIds?: string[]) =>
    api<Mailing>(`/api/events/${segment(id)}/mailings`, {
      method: 'POST',
      json: ticketIds ? { ticket_ids: ticketIds } : {},
    }),
  mailings: (id: string) => api<MailingList>(`/api/events/${segment(id)}/mailings`),
  mailing: (id: string, mailingId: string) => api<Mailing>(`/api/events/${segment(id)}/mailings/${segment(mailingId)}`),
  resetPassword: (username: string, password: string) =>
    api<UserDetail>(`/api/auth/users/${segment(username)}/password`, { method: 'PUT', json: { password } }),
  issueCount: (id: string, count: number, type?: string) =>
    api<TicketsIssued>(`/api/events/${segment(id)}/tickets`, {
      method: 'POST',
      json: type ? { count, type } : { count },
      timeoutMs: 120_000,
    }),
  importCsv: (id: string, file: Blob) =>
    api<TicketsIssued>(`/api/events/${segment(id)}/tickets`, {
      method: 'POST',
      raw: { body: file, contentType: 'text/csv' },
      timeoutMs: 300_000,
    }),
  createEvent: (body: Record<string, unknown>) => api<Event>('/api/events', { method: 'POST', json: body }),
  updateEvent: (id: string, body: Record<string, unknown>) =>
    api<Event>(`/api/events/${segment(id)}`, { method: 'PUT', json: body }),
  deleteEvent: (id: string, force: boolean) =>
    api(`/api/events/${segment(id)}${force ? '?force=true' : ''}`, { method: 'DELETE' }),
  users: () => api<{ users: UserDetail[] }>('/api/auth/users'),
  changeRole: (username: string, role: string) =>
    api<UserDetail>(`/api/auth/users/${segment(username)}`, { method: 'PATCH', json: { role } }),
  deleteUser: (username: string) => api(`/api/auth/users/${segment(username)}`, { method: 'DELETE' }),
  createUser: (body: { username: string; password: string; role: string }) =>
    api<{ username: string; role: string }>('/api/auth/register', { method: 'POST', json: body }),
  exportUrl: (
    id: string,
    query: { list: 'arrived' | 'absent' | 'history'; format: 'csv' | 'xlsx'; lang: 'id' | 'en' },
  ) => `/api/events/${segment(id)}/export?${new URLSearchParams(query)}`,
  conflicts: (id: string) => api<ConflictList>(`/api/events/${segment(id)}/conflicts`),
  markConflictHandled: (id: string, conflictId: string) =>
    api(`/api/events/${segment(id)}/conflicts/${segment(conflictId)}/handled`, { method: 'POST' }),
  // Gate rules (issue 16)
  lists: (id: string) => api<CheckinLists>(`/api/events/${segment(id)}/lists`),
  createList: (id: string, body: Record<string, unknown>) =>
    api<CheckinList>(`/api/events/${segment(id)}/lists`, { method: 'POST', json: body }),
  annul: (id: string, checkinId: string, reason: string) =>
    api<Annulled>(`/api/events/${segment(id)}/checkins/${segment(checkinId)}/annul`, {
      method: 'POST',
      json: { reason },
    }),
  cancelTicket: (id: string, ticketId: string, reason: string) =>
    api(`/api/events/${segment(id)}/tickets/${segment(ticketId)}/cancel`, { method: 'POST', json: { reason } }),
  history: (id: string, ticketId: string) =>
    api<TicketHistory>(`/api/events/${segment(id)}/tickets/${segment(ticketId)}/history`),
  resolveConflict: (id: string, conflictId: string, action: 'keep' | 'annul') =>
    api<CheckinConflict>(`/api/events/${segment(id)}/conflicts/${segment(conflictId)}/resolve`, {
      method: 'POST',
      json: { action },
    }),
};
