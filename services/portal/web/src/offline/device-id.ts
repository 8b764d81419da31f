// This device's id, made once and kept on the device: its scans and its ticket downloads name it.

const DEVICE_KEY = 'tixgo.device';

/**
 * Each scan's history line names the device (issue 16); its ticket downloads too, so attendance knows when the
 * device first had the event's list (issue 15 item 12). Undefined where the browser keeps no storage.
 */
export function deviceId(): string | undefined {
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch {
    return undefined;
  }
}
