import { describe, expect, it } from '@jest/globals';
import { generateCertificateAuthority } from '../../../src/bootstrap/pki.js';
import {
  BOOTSTRAP_TOKEN_PATTERN,
  discoveryHash,
  generateBootstrapToken,
  generateCertificateKey,
  parseBootstrapToken,
} from '../../../src/bootstrap/tokens.js';
import { openssl, opensslDiscoveryHash, withFiles } from './openssl.js';
import { join } from 'node:path';

describe('bootstrap tokens', () => {
  it('have the <6>.<16> lowercase alphanumeric form and split into id and secret', () => {
    const { id, secret, token } = generateBootstrapToken();
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(token).toBe(`${id}.${secret}`);
    expect(parseBootstrapToken(token)).toEqual({ id, secret, token });
  });

  it('draw every character of the alphabet and do not repeat', () => {
    const tokens = Array.from({ length: 2000 }, () => generateBootstrapToken().token);
    expect(new Set(tokens).size).toBe(tokens.length);
    const seen = new Set(tokens.join('').replaceAll('.', ''));
    expect([...seen].sort().join('')).toBe('0123456789abcdefghijklmnopqrstuvwxyz');
  });

  it('rejects tokens kubeadm would reject', () => {
    for (const bad of [
      'ABCDEF.0123456789abcdef',
      'abcde.0123456789abcdef',
      'abcdef.0123456789abcde',
      'abcdef0123456789abcdef',
      'abcdef.0123456789abcdef\n',
    ]) {
      expect(BOOTSTRAP_TOKEN_PATTERN.test(bad)).toBe(false);
      expect(() => parseBootstrapToken(bad)).toThrow('[a-z0-9]{6}');
    }
  });
});

describe('discoveryHash', () => {
  it('equals the SHA-256 openssl computes over the CA public key (kubeadm recipe)', async () => {
    const ca = await generateCertificateAuthority('kubernetes');
    const hash = discoveryHash(ca.certPem);
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hash).toBe(opensslDiscoveryHash(ca.certPem));
  });

  it('matches openssl for an RSA CA too, and differs between CAs', async () => {
    const rsaCa = withFiles({}, (dir) => {
      openssl(['genrsa', '-out', join(dir, 'ca.key'), '2048']);
      return openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        join(dir, 'ca.key'),
        '-subj',
        '/CN=kubernetes',
        '-days',
        '1',
      ]).toString();
    });
    expect(discoveryHash(rsaCa)).toBe(opensslDiscoveryHash(rsaCa));
    const other = await generateCertificateAuthority('kubernetes');
    expect(discoveryHash(other.certPem)).not.toBe(discoveryHash(rsaCa));
  });
});

describe('generateCertificateKey', () => {
  it('is 32 random bytes in hex, as kubeadm --certificate-key takes', () => {
    const key = generateCertificateKey();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(generateCertificateKey()).not.toBe(key);
  });
});
