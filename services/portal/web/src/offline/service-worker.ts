// Registers the service worker that keeps the app on the device; checks for a new version now and then
// (a station stays open for a whole shift), and the page reloads itself when one has taken over.
import { registerSW } from 'virtual:pwa-register';

const CHECK_EVERY_MS = 60 * 60 * 1000;

export function startServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  registerSW({
    immediate: true,
    onRegisterError(error: unknown) {
      // No worker means no offline opening; the station still works online, so this is only reported.
      console.warn('TixGo: the service worker could not be registered', error);
    },
    onRegisteredSW(_url, registration) {
      if (registration) window.setInterval(() => void registration.update().catch(() => undefined), CHECK_EVERY_MS);
    },
  });
}
