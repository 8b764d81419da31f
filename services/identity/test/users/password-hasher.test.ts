// The password hasher: bcrypt on worker threads, one per core, each niced below the event loop (Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/users/password-hasher.js';

/** The nice value of each thread of this process, from /proc (Linux). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((id) => {
    const stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
    // Fields after the command name: state is the 3rd field of the stat line, nice the 19th.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

const hasher = createPasswordHasher(4);
afterAll(async () => {
  await hasher.close();
});

describe('createPasswordHasher', () => {
  it('hashes with bcrypt and verifies the right password only, the dummy never', async () => {
    const stored = await hasher.hash('correct horse');
    expect(stored).toMatch(/^\$2b\$04\$/);
    expect(await hasher.verify('correct horse', stored)).toBe(true);
    expect(await hasher.verify('wrong horse', stored)).toBe(false);
    expect(await hasher.verifyAgainstDummy('correct horse')).toBe(false);
  });

  it.runIf(process.platform === 'linux')(
    'hashes on one thread per core, each at nice 19 while the event loop keeps its priority',
    async () => {
      const stored = await hasher.hash('x');
      await Promise.all(Array.from({ length: 4 * availableParallelism() }, () => hasher.verify('x', stored)));
      const niced = threadNiceValues().filter((nice) => nice === 19).length;
      expect(niced).toBe(availableParallelism());
      expect(threadNiceValues()[0]).toBe(0);
    },
  );
});
