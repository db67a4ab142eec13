// One writer at a time on the kind/docker stand-in's state. Every stand-in command reads
// state.json, changes it and writes it back whole, and kaas runs several at once (a reconcile's
// `docker run` beside the listings of the observe pass and the health monitor): without the lock
// a listing that started before a `docker run` and ended after it wrote the container away.
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** A holder that died (killed with its test) keeps the others out no longer than this. */
const STALE_MS = 30_000;
const WAIT_MS = 60_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Takes the lock of the state in `dir`, waiting for it; returns its release. */
export function acquireStateLock(dir) {
  const path = join(dir, 'state.lock');
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(path, 'wx'));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(path).mtimeMs > STALE_MS) unlinkSync(path);
      } catch {
        // Released meanwhile: take it at the next turn.
      }
      if (Date.now() > deadline)
        throw new Error(`${path} held for over ${WAIT_MS / 1000} s`, { cause: error });
      Atomics.wait(pause, 0, 0, 5);
    }
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    try {
      unlinkSync(path);
    } catch {
      // Taken away as stale: nothing to release.
    }
  };
}

/** Runs `change` holding the lock. */
export function withStateLock(dir, change) {
  const release = acquireStateLock(dir);
  try {
    return change();
  } finally {
    release();
  }
}
