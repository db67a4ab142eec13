import 'reflect-metadata';
import { beforeAll, describe, expect, it } from '@jest/globals';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { join } from 'node:path';
import {
  CA_NAMES,
  generateCertificateAuthority,
  generateClusterPki,
  signClientCertificate,
  type CertificateAuthority,
  type ClusterPki,
} from '../../../src/bootstrap/pki.js';
import { openssl, opensslVerify, withFiles } from './openssl.js';

const DAY_MS = 86_400_000;

function keyUsages(cert: x509.X509Certificate): number {
  const ext = cert.getExtension(x509.KeyUsagesExtension);
  if (!ext) throw new Error('no key usage extension');
  return ext.usages;
}

function spkiOfPrivateKey(keyPem: string): Buffer {
  return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
}

describe('cluster PKI', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  let pki: ClusterPki;

  beforeAll(async () => {
    pki = await generateClusterPki({ now });
  });

  it.each([
    ['ca', CA_NAMES.cluster],
    ['etcdCa', CA_NAMES.etcd],
    ['frontProxyCa', CA_NAMES.frontProxy],
  ] as const)('makes %s a self-signed root CA named %s, valid ten years', async (field, name) => {
    const ca = pki[field];
    const cert = new x509.X509Certificate(ca.certPem);
    expect(cert.subject).toBe(`CN=${name}`);
    expect(cert.issuer).toBe(`CN=${name}`);
    expect(await cert.isSelfSigned()).toBe(true);

    const constraints = cert.getExtension(x509.BasicConstraintsExtension);
    expect(constraints?.ca).toBe(true);
    expect(constraints?.critical).toBe(true);
    const usages = keyUsages(cert);
    expect(usages & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(usages & x509.KeyUsageFlags.cRLSign).toBeTruthy();
    expect(usages & x509.KeyUsageFlags.keyEncipherment).toBe(0);
    expect(cert.getExtension(x509.KeyUsagesExtension)?.critical).toBe(true);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);

    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - cert.notBefore.getTime()).toBeLessThanOrEqual(10 * 60_000);
    expect(cert.notAfter.getTime()).toBe(now.getTime() + 3650 * DAY_MS);

    expect(cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(spkiOfPrivateKey(ca.keyPem).equals(Buffer.from(cert.publicKey.rawData))).toBe(true);
  });

  it('gives the three CAs distinct keys', () => {
    const keys = new Set([pki.ca.keyPem, pki.etcdCa.keyPem, pki.frontProxyCa.keyPem]);
    expect(keys.size).toBe(3);
  });

  it('makes an RSA-2048 service-account key pair that signs and verifies RS256 tokens', () => {
    const { privateKeyPem, publicKeyPem } = pki.serviceAccount;
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const privateKey = createPrivateKey(privateKeyPem);
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const signingInput = Buffer.from('header.payload');
    const signature = sign('sha256', signingInput, privateKey);
    expect(verify('sha256', signingInput, createPublicKey(publicKeyPem), signature)).toBe(true);
  });

  it('writes keys openssl reads', () => {
    const ec = openssl(['pkey', '-noout', '-text'], pki.ca.keyPem).toString();
    expect(ec).toContain('NIST CURVE: P-256');
    const rsa = openssl(['pkey', '-noout', '-text'], pki.serviceAccount.privateKeyPem).toString();
    expect(rsa).toContain('Private-Key: (2048 bit');
  });
});

describe('signClientCertificate', () => {
  let ca: CertificateAuthority;

  beforeAll(async () => {
    ca = await generateCertificateAuthority('kubernetes');
  });

  it('issues a client-auth-only certificate with CN, O groups and exact validity', async () => {
    const now = new Date();
    const issued = await signClientCertificate(ca, {
      commonName: 'kaas-admin',
      organizations: ['kubeadm:cluster-admins', 'team:ops'],
      validityMs: 15 * 60_000,
      now,
    });
    const cert = new x509.X509Certificate(issued.certPem);
    const caCert = new x509.X509Certificate(ca.certPem);

    expect(cert.subjectName.getField('CN')).toEqual(['kaas-admin']);
    expect(cert.subjectName.getField('O')).toEqual(['kubeadm:cluster-admins', 'team:ops']);
    expect(cert.issuer).toBe('CN=kubernetes');
    expect(cert.notAfter.getTime()).toBe(Math.floor((now.getTime() + 15 * 60_000) / 1000) * 1000);
    expect(issued.notAfter.getTime()).toBe(cert.notAfter.getTime());
    expect(cert.notBefore.getTime()).toBeLessThan(now.getTime());

    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(keyUsages(cert)).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
    expect(aki?.keyId).toBe(caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    expect(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true })).toBe(true);
    expect(spkiOfPrivateKey(issued.keyPem).equals(Buffer.from(cert.publicKey.rawData))).toBe(true);
  });

  it('passes openssl verify as a TLS client certificate of its CA and fails against another CA', async () => {
    const issued = await signClientCertificate(ca, {
      commonName: 'kaas-admin',
      organizations: ['system:masters'],
    });
    const verified = opensslVerify(ca.certPem, issued.certPem, ['-purpose', 'sslclient']);
    expect(verified.output).toContain(': OK');
    expect(verified.ok).toBe(true);

    expect(opensslVerify(ca.certPem, issued.certPem, ['-purpose', 'sslserver']).ok).toBe(false);
    const other = await generateCertificateAuthority('kubernetes');
    expect(opensslVerify(other.certPem, issued.certPem).ok).toBe(false);
  });

  it('signs with a CA whose key is a PKCS#1 RSA key, as kubeadm writes them', async () => {
    const key = openssl(['genrsa', '-traditional', '2048']).toString();
    expect(key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    const cert = withFiles({ 'ca.key': key }, (dir) =>
      openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        join(dir, 'ca.key'),
        '-subj',
        '/CN=kubernetes',
        '-days',
        '2',
      ]).toString(),
    );
    const issued = await signClientCertificate(
      { certPem: cert, keyPem: key },
      { commonName: 'kaas-admin' },
    );
    expect(opensslVerify(cert, issued.certPem, ['-purpose', 'sslclient']).ok).toBe(true);
  });

  it('refuses an empty common name and a certificate that would outlive its CA', async () => {
    await expect(signClientCertificate(ca, { commonName: ' ' })).rejects.toThrow('common name');
    await expect(
      signClientCertificate(ca, { commonName: 'x', validityMs: 20 * 365 * DAY_MS }),
    ).rejects.toThrow('outlive');
    await expect(signClientCertificate(ca, { commonName: 'x', validityMs: 0 })).rejects.toThrow(
      'positive',
    );
  });

  it('gives every certificate a distinct positive serial number', async () => {
    const serials = await Promise.all(
      Array.from(
        { length: 5 },
        async () =>
          new x509.X509Certificate((await signClientCertificate(ca, { commonName: 'x' })).certPem)
            .serialNumber,
      ),
    );
    expect(new Set(serials).size).toBe(5);
    for (const serial of serials)
      expect(Number.parseInt(serial.slice(0, 2), 16)).toBeGreaterThanOrEqual(0x40);
  });
});
