import { createInterface } from 'node:readline/promises';
import { UsageError } from './errors.js';

/** Asks yes/no on the terminal; without one, refuses rather than guessing. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UsageError('stdin is not a terminal: pass --yes to confirm');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
