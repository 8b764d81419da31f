// The language of the UI (Bahasa Indonesia by default, English), remembered on the device, and the formats of numbers and times.
import { signal } from '@preact/signals';
import { type Catalogue, en, type Message, type MessageKey } from './en.js';
import { gateTimeText } from './gate-time.js';
import { id } from './id.js';

export type Language = 'id' | 'en';
export type { MessageKey };

const CATALOGUES: Record<Language, Catalogue> = { id, en };
const STORAGE_KEY = 'tixgo.language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === 'en' || stored === 'id' ? stored : 'id';
}

export const language = signal<Language>(initialLanguage());
document.documentElement.lang = language.value;

export function setLanguage(next: Language): void {
  language.value = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/** The form of a plural message for `count` (Intl.PluralRules: English one/other; Indonesian has other only). */
function pluralForm(message: Message, count: unknown): string {
  if (typeof message === 'string') return message;
  const form = new Intl.PluralRules(locale()).select(typeof count === 'number' ? count : Number(count ?? 0));
  return message[form] ?? message.other;
}

/**
 * The message `key` in the current language, with `{name}` placeholders filled from `values` (a
 * number in the language's format); a plural message takes its form from `values.count`.
 */
export function t(key: MessageKey, values: Record<string, string | number> = {}): string {
  const text = pluralForm(CATALOGUES[language.value][key], values.count);
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : typeof value === 'number' ? formatNumber(value) : value;
  });
}

const locale = () => (language.value === 'id' ? 'id-ID' : 'en-GB');

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale()).format(value);
}

export function formatPercent(value: number): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(value) + '%';
}

/** A time of day in the browser's time zone, e.g. 10:32. */
export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** A time at the gate: the time of day when it was today, else with its day (see gate-time.ts). */
export function formatGateTime(iso: string, now: Date = new Date()): string {
  return gateTimeText(iso, locale(), now);
}

/** A short day and time of day in the browser's time zone, e.g. 1 Des 10.30 (a chart's ticks across days). */
export function formatDayTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

/** Date and time in the browser's time zone. */
export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** "30 seconds", "2 minutes" for a wait. */
export function formatDuration(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  const format =
    seconds < 90
      ? new Intl.NumberFormat(locale(), { style: 'unit', unit: 'second', unitDisplay: 'long' }).format(seconds)
      : new Intl.NumberFormat(locale(), { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(minutes);
  return format;
}
