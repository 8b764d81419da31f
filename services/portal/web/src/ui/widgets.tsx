// Small building blocks every page uses: banners, a progress bar, a page title, a busy marker.

import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef } from 'preact/hooks';
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

interface ShownError {
  id: number;
  retry: (() => void) | undefined;
}

/** The error banners on screen by their words: one banner shows each sentence (its retry retries them all). */
const shownErrors = signal<ReadonlyMap<string, ShownError[]>>(new Map());
let nextBannerId = 0;

function updateShown(text: string, change: (owners: ShownError[]) => ShownError[]): void {
  const next = new Map(shownErrors.value);
  const owners = change(next.get(text) ?? []);
  if (owners.length > 0) next.set(text, owners);
  else next.delete(text);
  shownErrors.value = next;
}

/**
 * A failed load, in words, with "try again". When several parts of a page fail the same way (the
 * service behind the portal is down), the page shows the sentence once, not once per part.
 */
export function ErrorBanner(props: { error: unknown; retry?: () => void }) {
  const text = describeError(props.error);
  const id = useMemo(() => ++nextBannerId, []);
  const retry = useRef(props.retry);
  retry.current = props.retry;
  useEffect(() => {
    const mine: ShownError = { id, retry: () => retry.current?.() };
    updateShown(text, (owners) => [...owners, mine]);
    return () => updateShown(text, (owners) => owners.filter((owner) => owner.id !== id));
  }, [text, id]);
  const owners = shownErrors.value.get(text) ?? [];
  if (owners.length > 0 && owners[0]?.id !== id) return null;
  const retryAll = () => {
    for (const owner of owners.length > 0 ? owners : [{ id, retry: props.retry }]) owner.retry?.();
  };
  return (
    <Banner kind="error" action={props.retry ? { label: t('error.tryAgain'), onClick: retryAll } : undefined}>
      {text}
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
