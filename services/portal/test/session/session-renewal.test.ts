// SessionRenewals: one rotation per refresh token within the window, failures never remembered.
import { describe, expect, it } from 'vitest';
import { SessionRenewals } from '../../src/session/session-renewal.js';

describe('SessionRenewals', () => {
  it('runs one rotation for repeats of a token within the window and a new one after it', async () => {
    const renewals = new SessionRenewals<string>(50);
    let rotations = 0;
    const rotate = async () => `rotation-${++rotations}`;
    const answers = await Promise.all([renewals.renew('r1', rotate), renewals.renew('r1', rotate)]);
    expect(answers).toEqual(['rotation-1', 'rotation-1']);
    expect(await renewals.renew('r2', rotate)).toBe('rotation-2');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await renewals.renew('r1', rotate)).toBe('rotation-3');
  });

  it('does not remember a failed rotation', async () => {
    const renewals = new SessionRenewals<string>(10_000);
    await expect(renewals.renew('r1', async () => Promise.reject(new Error('identity down')))).rejects.toThrow(
      'identity down',
    );
    expect(await renewals.renew('r1', async () => 'rotated')).toBe('rotated');
  });
});
