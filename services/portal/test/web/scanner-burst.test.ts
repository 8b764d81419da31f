// The station's scanner detection: a burst of keys ending in Enter is a scan, a person's typing is not.
import { describe, expect, it } from 'vitest';
import { SCANNER_MAX_GAP_MS, ScannerBurst } from '../../web/src/station/scanner-burst.js';

/** Feeds `keys` `gap` ms apart (an Enter after the last) and returns what the Enter gave. */
function type(burst: ScannerBurst, keys: string[], gap: number, from = 0): string | undefined {
  let at = from;
  for (const key of keys) {
    expect(burst.keydown(key, at)).toBeUndefined();
    at += gap;
  }
  return burst.keydown('Enter', at);
}

describe('a burst of keys ending in Enter', () => {
  it.each([
    ['a USB scanner (8 ms a key)', [...'FSM26-01301'], 8, 'FSM26-01301'],
    ['a slow Bluetooth scanner (16 ms)', [...'ST-005'], 16, 'ST-005'],
    ['upper case through Shift', ['Shift', 'A', 'Shift', 'B', '1', '2'], 9, 'AB12'],
    ['at the longest gap', [...'ABCD'], SCANNER_MAX_GAP_MS, 'ABCD'],
  ])('is a scan: %s', (_, keys, gap, code) => {
    expect(type(new ScannerBurst(), keys, gap)).toBe(code);
  });

  it.each([
    ['a person typing (120 ms a key)', [...'Nasution'], 120],
    ['a person just past the gap', [...'ABCDEF'], SCANNER_MAX_GAP_MS + 1],
    ['three quick keys (a key roll)', [...'abc'], 8],
  ])('is not a scan: %s', (_, keys, gap) => {
    expect(type(new ScannerBurst(), keys, gap)).toBeUndefined();
  });

  it('takes only the scanner’s characters after a person’s typing in the same field', () => {
    const burst = new ScannerBurst();
    expect(type(burst, [...'Nasution'], 150, 0)).toBeUndefined();
    // The person typed without Enter; the scan follows a second later.
    const person = new ScannerBurst();
    for (const [index, key] of [...'Nasution'].entries()) person.keydown(key, index * 150);
    for (const [index, key] of [...'FSM26-01301'].entries()) person.keydown(key, 2000 + index * 9);
    expect(person.keydown('Enter', 2000 + 11 * 9)).toBe('FSM26-01301');
  });

  it('starts over after a Backspace or an Enter that comes late', () => {
    const burst = new ScannerBurst();
    for (const [index, key] of [...'AB'].entries()) burst.keydown(key, index * 8);
    burst.keydown('Backspace', 20);
    for (const [index, key] of [...'CDE'].entries()) burst.keydown(key, 28 + index * 8);
    expect(burst.keydown('Enter', 52)).toBeUndefined();
    expect(type(burst, [...'WXYZ'], 8, 100)).toBe('WXYZ');
    for (const [index, key] of [...'WXYZ'].entries()) burst.keydown(key, 500 + index * 8);
    expect(burst.keydown('Enter', 500 + 3 * 8 + SCANNER_MAX_GAP_MS + 1)).toBeUndefined();
  });
});
