// A message for the page a person is sent to next ("your account was deleted" on the sign-in page), shown there once.
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { type MessageKey, t } from '../i18n/index.js';
import { Banner } from './widgets.js';

interface Notice {
  path: string;
  kind: 'info' | 'success' | 'warning';
  key: MessageKey;
  values: Record<string, string | number>;
  shown: boolean;
}

// A message key rather than its text, so a language switch on that page translates it too.
const pending = signal<Notice | undefined>(undefined);

/** Shows `key` on the next page at `path` (before it is routed to); it is gone once the person moves on. */
export function noticeOnNextPage(
  path: string,
  kind: Notice['kind'],
  key: MessageKey,
  values: Record<string, string | number> = {},
): void {
  pending.value = { path, kind, key, values, shown: false };
}

/** Rendered by the Layout at the top of every page. */
export function PageNotice() {
  const { path } = useLocation();
  const notice = pending.value;
  const isHere = notice?.path === path;
  useEffect(() => {
    if (!notice) return;
    if (isHere) notice.shown = true;
    else if (notice.shown) pending.value = undefined;
  }, [notice, isHere]);
  if (!notice || !isHere) return null;
  return <Banner kind={notice.kind}>{t(notice.key, notice.values)}</Banner>;
}
