import { X509Certificate, createHash, randomBytes, randomInt } from 'node:crypto';

/** The format kubeadm and the bootstrap-token authenticator accept: `<id>.<secret>`. */
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  /** Public half: names the `bootstrap-token-<id>` Secret. */
  id: string;
  secret: string;
  /** `<id>.<secret>`, what kubeadm's configs and flags take. */
  token: string;
}

export function generateBootstrapToken(): BootstrapToken {
  const id = randomString(6);
  const secret = randomString(16);
  return { id, secret, token: `${id}.${secret}` };
}

export function parseBootstrapToken(token: string): BootstrapToken {
  const match = BOOTSTRAP_TOKEN_PATTERN.exec(token);
  if (!match) throw new Error('a bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}');
  return { id: match[1]!, secret: match[2]!, token };
}

/**
 * The hash a joining node pins the cluster CA with (`caCertHashes`,
 * `--discovery-token-ca-cert-hash`): SHA-256 of the CA certificate's SubjectPublicKeyInfo DER,
 * so it survives re-issuing the CA certificate with the same key.
 */
export function discoveryHash(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/**
 * kubeadm's certificate key (`--certificate-key`): 32 random bytes in hex, the AES-256 key that
 * encrypts the kubeadm-certs Secret when control-plane certificates are uploaded.
 */
export function generateCertificateKey(): string {
  return randomBytes(32).toString('hex');
}

/** randomInt draws without modulo bias: every character is equally likely. */
function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return out;
}
