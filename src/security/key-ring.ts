import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { KeyRing, makeKek } from './envelope.js';

/** Nest injection token for a KeyRingHolder. */
export const KEY_RING = Symbol('KEY_RING');

/** The key ring, absent when no KEK is configured (an external database without KAAS_KEK). */
export interface KeyRingHolder {
  keyRing?: KeyRing;
}

/**
 * The key ring from KAAS_KEK (and KAAS_KEK_PREVIOUS). With the embedded database and no
 * KAAS_KEK, a key is generated once into `<KAAS_DATA_DIR>/kek` (mode 0600), next to the data it
 * protects, so a laptop install works out of the box; back the two up together. With an
 * external database every process must share one KEK, so it has to be configured: without it
 * there is no key ring, and whatever needs one says so.
 */
export function loadKeyRing(config: Config): KeyRing | undefined {
  if (config.KAAS_KEK) return KeyRing.parse(config.KAAS_KEK, config.KAAS_KEK_PREVIOUS);
  if (config.KAAS_DATABASE_URL) return undefined;
  if (config.KAAS_EMBEDDED_IN_MEMORY) return new KeyRing(makeKek('memory', randomBytes(32)));
  const file = join(config.KAAS_DATA_DIR, 'kek');
  if (!existsSync(file)) {
    mkdirSync(config.KAAS_DATA_DIR, { recursive: true });
    try {
      writeFileSync(file, `local-1:${randomBytes(32).toString('base64')}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (error) {
      // Another process of this install wrote it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  return KeyRing.parse(readFileSync(file, 'utf8').trim(), config.KAAS_KEK_PREVIOUS);
}
