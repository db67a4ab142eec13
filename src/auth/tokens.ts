import { createHash, randomBytes } from 'node:crypto';

/** `kaas_` and 43 URL-safe characters: 256 bits, so a plain SHA-256 is a safe stored hash. */
export function generateToken(): string {
  return `kaas_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What lists show of a token: enough to recognise it, not to use it. */
export function tokenPrefix(token: string): string {
  return token.slice(0, 9);
}
