// Registers the service worker that keeps the app on the device; checks for a new version now and then
// (a station stays open for a whole shift), and the page reloads itself when one has taken over.
// offlineMode says whether the worker is installed on this device, so the station can say when it is not.

import { registerSW } from 'virtual:pwa-register';
import { signal } from '@preact/signals';

const CHECK_EVERY_MS = 60 * 60 * 1000;

/**
 * `checking` until the worker is active or has failed; `ready` once one is active on this device (a
 * reload without network is then served by it); `unavailable` when none can be: no service workers
 * here (plain http:// off the machine itself, an old browser), or the registration was refused — as
 * Chrome refuses it over a certificate the person clicked through ("An SSL certificate error occurred
 * when fetching the script").
 */
export const offlineMode = signal<'checking' | 'ready' | 'unavailable'>('checking');

export function startServiceWorker(): void {
  if (!('serviceWorker' in navigator)) {
    offlineMode.value = 'unavailable';
    return;
  }
  void navigator.serviceWorker.ready.then(() => {
    offlineMode.value = 'ready';
  });
  registerSW({
    immediate: true,
    onRegisterError(error: unknown) {
      // No worker means no offline opening; the station still works online and says what is missing.
      offlineMode.value = 'unavailable';
      console.warn('TixGo: the service worker could not be registered', error);
    },
    onRegisteredSW(_url, registration) {
      if (registration) window.setInterval(() => void registration.update().catch(() => undefined), CHECK_EVERY_MS);
    },
  });
}
