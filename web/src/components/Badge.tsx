/** Colour by meaning, not by resource: every phase and status word maps to one tone. */
const TONES: Record<string, string> = {
  Running: 'ok',
  Succeeded: 'ok',
  Done: 'ok',
  True: 'ok',
  Provisioning: 'busy',
  Updating: 'busy',
  Deleting: 'busy',
  Pending: 'idle',
  Cancelling: 'busy',
  Unknown: 'idle',
  Degraded: 'warn',
  Cancelled: 'warn',
  Failed: 'bad',
  False: 'bad',
  Deleted: 'idle',
  Normal: 'ok',
  Warning: 'warn',
};

/** `busy` overrides the tone where a word like Running means work in progress, not health. */
export function Badge({ value, busy = false }: { value: string; busy?: boolean }) {
  return <span className={`badge ${busy ? 'busy' : (TONES[value] ?? 'idle')}`}>{value}</span>;
}
