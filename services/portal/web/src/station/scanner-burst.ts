// Tells a scanner's code from a person's typing by the keys' rhythm: a USB or Bluetooth scanner types a character
// every 7-16 ms and ends with Enter; people stay above ~20 ms between keys. A burst is a scan wherever the focus is.

/** The longest pause between two keys of one scan (a slow Bluetooth scanner included; no person types 4 keys this fast). */
export const SCANNER_MAX_GAP_MS = 30;
/** The fewest characters a scan has: shorter bursts are a person's key roll. */
export const SCANNER_MIN_LENGTH = 4;

/** Keys a scanner sends along with the characters (upper case through Shift): they neither add nor break a burst. */
const MODIFIERS = new Set(['Shift', 'CapsLock']);

export class ScannerBurst {
  private keys: { key: string; at: number }[] = [];

  /**
   * Takes every keydown (its `key` and `timeStamp`); at an Enter that ends a burst, returns the code the scanner
   * typed, otherwise undefined.
   */
  keydown(key: string, at: number): string | undefined {
    if (MODIFIERS.has(key)) return undefined;
    if (key !== 'Enter') {
      // Another key (Backspace, an arrow) or a long pause starts over.
      const last = this.keys.at(-1);
      if (key.length !== 1 || (last && at - last.at > SCANNER_MAX_GAP_MS)) this.keys = [];
      if (key.length === 1) this.keys.push({ key, at });
      return undefined;
    }
    const keys = this.keys;
    this.keys = [];
    const last = keys.at(-1);
    if (!last || at - last.at > SCANNER_MAX_GAP_MS || keys.length < SCANNER_MIN_LENGTH) return undefined;
    return keys.map((entry) => entry.key).join('');
  }
}
