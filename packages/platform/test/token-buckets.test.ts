// Token buckets: a burst, then the sustained rate; a wait in whole seconds; memory bounded by the number of keys.
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../src/index.js';

/** Buckets on a clock the test moves by hand. */
function bucketsAt(ratePerSecond: number, burst: number, maxKeys?: number) {
  let now = 0;
  const buckets = new TokenBuckets({ ratePerSecond, burst }, maxKeys, () => now);
  return {
    buckets,
    advance(ms: number) {
      now += ms;
    },
    /** How many of `count` takes of `key` succeed right now. */
    takes(key: string, count: number) {
      let allowed = 0;
      for (let index = 0; index < count; index++) if (buckets.take(key) === 0) allowed++;
      return allowed;
    },
  };
}

describe('TokenBuckets', () => {
  it('allows a burst at once, then refuses with the seconds until the next token', () => {
    const { buckets, takes } = bucketsAt(100, 1000);
    expect(takes('panitia1', 1000)).toBe(1000);
    expect(buckets.take('panitia1')).toBe(1);
  });

  it('refills at the sustained rate, never above the burst', () => {
    const { advance, takes } = bucketsAt(100, 1000);
    takes('gate', 1000);
    advance(500);
    expect(takes('gate', 100)).toBe(50);
    advance(60_000);
    expect(takes('gate', 2000)).toBe(1000);
  });

  it('counts each key on its own', () => {
    const { takes } = bucketsAt(1, 3);
    expect(takes('a', 5)).toBe(3);
    expect(takes('b', 5)).toBe(3);
  });

  it('says how long to wait at a slow rate, in whole seconds', () => {
    const { buckets, advance } = bucketsAt(0.1, 1);
    expect(buckets.take('slow')).toBe(0);
    expect(buckets.take('slow')).toBe(10);
    advance(4000);
    expect(buckets.take('slow')).toBe(6);
    advance(6000);
    expect(buckets.take('slow')).toBe(0);
  });

  it('remembers at most maxKeys keys: full buckets go first, then the least recently used', () => {
    const { buckets, advance, takes } = bucketsAt(10, 10, 100);
    for (let index = 0; index < 100; index++) takes(`refilled-${index}`, 1);
    advance(1000);
    takes('abuser', 10);
    // Addresses sprayed to push the abuser out, while it keeps trying (and stays recent).
    for (let index = 0; index < 500; index++) {
      takes(`spray-${index}`, 1);
      if (index % 50 === 0) expect(buckets.take('abuser')).toBeGreaterThan(0);
    }
    expect(buckets.size).toBeLessThanOrEqual(100);
    expect(buckets.take('abuser')).toBeGreaterThan(0);
  });
});
