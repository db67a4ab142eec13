import { hash, randomBytes } from 'node:crypto';

/** `kaas_` and 43 URL-safe characters: 256 bits, so a plain SHA-256 is a safe stored hash. */
export function generateToken(): string {
  return `kaas_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 in hex; the one-shot `hash` makes no Hash object, once per authenticated request. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** What lists show of a token: enough to recognise it, not to use it. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 9);
}
