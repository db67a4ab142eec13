import { describe, expect, it } from '@jest/globals';
import { installMessage } from '../../../src/addons/addon-job.js';

const first = { number: 1, max: 5 };

describe('what an add-on install says while it runs', () => {
  it('names a first install, an upgrade and a configuration change apart', () => {
    expect(installMessage(undefined, '1.0.0', first)).toBe('installing 1.0.0');
    expect(
      installMessage({ phase: 'Healthy', version: '1.0.0', message: null }, '1.1.0', first),
    ).toBe('upgrading from 1.0.0 to 1.1.0');
    expect(
      installMessage({ phase: 'Healthy', version: '1.1.0', message: null }, '1.1.0', first),
    ).toBe('applying a configuration change to 1.1.0');
    // A row left Installing by an attempt that died holds the target version, not an older one.
    expect(
      installMessage({ phase: 'Installing', version: '1.1.0', message: 'x' }, '1.1.0', first),
    ).toBe('installing 1.1.0');
  });

  it('repeats why the attempt before failed, without nesting earlier reasons', () => {
    const retried = installMessage(
      {
        phase: 'Installing',
        version: '1.0.0',
        message: 'attempt 1 of 5 failed, retrying: Deployment metallb-system/controller not ready',
      },
      '1.0.0',
      { number: 2, max: 5 },
    );
    expect(retried).toBe(
      'installing 1.0.0 (attempt 2 of 5; the last failed: Deployment metallb-system/controller not ready)',
    );
    // The process died during attempt 2: its own progress line carries no new failure.
    expect(
      installMessage({ phase: 'Installing', version: '1.0.0', message: retried }, '1.0.0', {
        number: 2,
        max: 5,
      }),
    ).toBe('installing 1.0.0 (attempt 2 of 5)');
  });
});
