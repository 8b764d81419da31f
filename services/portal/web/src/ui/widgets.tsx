// Small building blocks every page uses: banners, a progress bar, a page title, a busy marker.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { t } from '../i18n/index.js';
import { describeError } from './describe-error.js';

/** A message box; `alert` ones are announced at once by screen readers. */
export function Banner(props: {
  kind: 'info' | 'success' | 'warning' | 'error';
  children: ComponentChildren;
  action?: { label: string; onClick: () => void };
}) {
  const urgent = props.kind === 'error' || props.kind === 'warning';
  return (
    <div class={`banner banner-${props.kind}`} role={urgent ? 'alert' : 'status'}>
      <span>{props.children}</span>
      {props.action && (
        <button type="button" class="button-small" onClick={props.action.onClick}>
          {props.action.label}
        </button>
      )}
    </div>
  );
}

export function ErrorBanner(props: { error: unknown; retry?: () => void }) {
  return (
    <Banner kind="error" action={props.retry ? { label: t('error.tryAgain'), onClick: props.retry } : undefined}>
      {describeError(props.error)}
    </Banner>
  );
}

/** A horizontal bar with its value for assistive technology. */
export function ProgressBar(props: { value: number; max: number; label: string }) {
  const percent = props.max > 0 ? Math.min(100, (props.value / props.max) * 100) : 0;
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.max > 0 ? props.max : 100}
      aria-valuenow={props.max > 0 ? Math.min(props.value, props.max) : 0}
    >
      <div class="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}

/** The page's <h1>, also the document title. */
export function PageTitle(props: { children: string }) {
  useEffect(() => {
    document.title = `${props.children} · TixGo`;
  }, [props.children]);
  return <h1 id="page-title">{props.children}</h1>;
}

export function Loading() {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> {t('app.loading')}
    </p>
  );
}

/** A wide table that scrolls sideways on a phone; focusable so the keyboard can scroll it too (WCAG 2.1.1). */
export function TableScroll(props: { label: string; children: ComponentChildren }) {
  return (
    // A named <section> is a region landmark; tabIndex makes it scrollable by keyboard.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
    <section class="table-scroll" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}
