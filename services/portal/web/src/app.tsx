// The web UI's routes: which page answers which path, who may see it, and the code each page loads only when opened.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from 'preact-iso';
import { loadSession, session } from './api/session.js';
import { t } from './i18n/index.js';
import { SignInPage } from './pages/sign-in.js';
import { Layout } from './ui/layout.js';
import { SessionLostPrompt } from './ui/session-lost-dialog.js';
import { Banner, Loading, PageTitle } from './ui/widgets.js';

// Each page is its own chunk: the station never downloads the admin pages or the chart.
const RegisterPage = lazy(() => import('./pages/register.js').then((m) => m.RegisterPage));
const DashboardPage = lazy(() => import('./pages/dashboard.js').then((m) => m.DashboardPage));
const EventPage = lazy(() => import('./pages/event-page.js').then((m) => m.EventPage));
const StationPage = lazy(() => import('./station/station-page.js').then((m) => m.StationPage));
const EventsAdminPage = lazy(() => import('./admin/events-admin.js').then((m) => m.EventsAdminPage));
const EventFormPage = lazy(() => import('./admin/event-form.js').then((m) => m.EventFormPage));
const TicketsPage = lazy(() => import('./admin/tickets-admin.js').then((m) => m.TicketsPage));
const TicketSheetPage = lazy(() => import('./admin/ticket-sheet.js').then((m) => m.TicketSheetPage));
const UsersPage = lazy(() => import('./admin/users-admin.js').then((m) => m.UsersPage));

/** A page for signed-in people (admins only with `admin`); others are sent to sign in first. */
function Protected(props: { admin?: boolean; children: ComponentChildren }) {
  const { route, url } = useLocation();
  const user = session.value;
  useEffect(() => {
    if (user === null) route(`/sign-in?next=${encodeURIComponent(url)}`, true);
  }, [user, url, route]);
  if (!user) return <Loading />;
  if (props.admin && user.role !== 'admin') {
    return (
      <Layout>
        <Banner kind="error">{t('error.forbidden')}</Banner>
      </Layout>
    );
  }
  return <>{props.children}</>;
}

function Home() {
  const { route } = useLocation();
  useEffect(() => {
    if (session.value !== undefined) route(session.value ? '/dashboard' : '/sign-in', true);
  }, [route]);
  return <Loading />;
}

// Pages read their parameters with useRoute(), so they take no props.
const guarded =
  (Page: () => preact.JSX.Element, admin = false) =>
  () => (
    <Protected admin={admin}>
      <Page />
    </Protected>
  );

const Dashboard = guarded(DashboardPage);
const Event = guarded(EventPage);
const Station = guarded(StationPage);
const EventsAdmin = guarded(EventsAdminPage, true);
const EventForm = guarded(EventFormPage, true);
const Tickets = guarded(TicketsPage, true);
const TicketSheet = guarded(TicketSheetPage, true);
const Users = guarded(UsersPage, true);

/** A path people type for a page that has another name here: sent on, replacing the history entry. */
function Alias(props: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(props.to, true), [props.to, route]);
  return <Loading />;
}
const LoginAlias = () => <Alias to="/sign-in" />;
const AdminAlias = () => <Alias to="/admin/events" />;

/** Any other path: the UI's own page (the portal answers it with a 404), with the way back. */
function NotFound() {
  const { path } = useLocation();
  return (
    <Layout>
      <PageTitle>{t('notFound.title')}</PageTitle>
      <p>{t('notFound.body', { path })}</p>
      <p>
        <a href={session.value ? '/dashboard' : '/sign-in'}>
          {session.value ? t('notFound.home') : t('notFound.signIn')}
        </a>
      </p>
    </Layout>
  );
}

export function App() {
  useEffect(() => {
    void loadSession();
  }, []);
  if (session.value === undefined) return <Loading />;
  return (
    // Links to /api (the CSV export), /docs and the portal's own pages /ca and /ca.crt (the gate phones'
    // certificate) are real navigations, not routes of this app.
    <LocationProvider scope={/^\/(?!api\/|docs|ca(?:$|[.?#/]))/}>
      <ErrorBoundary>
        <Router>
          <Route path="/" component={Home} />
          <Route path="/sign-in" component={SignInPage} />
          <Route path="/register" component={RegisterPage} />
          <Route path="/dashboard" component={Dashboard} />
          <Route path="/events/:id" component={Event} />
          <Route path="/station" component={Station} />
          <Route path="/admin/events" component={EventsAdmin} />
          <Route path="/admin/events/new" component={EventForm} />
          <Route path="/admin/events/:id/edit" component={EventForm} />
          <Route path="/admin/events/:id/tickets" component={Tickets} />
          <Route path="/admin/events/:id/print" component={TicketSheet} />
          <Route path="/admin/users" component={Users} />
          <Route path="/login" component={LoginAlias} />
          <Route path="/admin" component={AdminAlias} />
          <Route default component={NotFound} />
        </Router>
        <SessionLostPrompt />
      </ErrorBoundary>
    </LocationProvider>
  );
}
