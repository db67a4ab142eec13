import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import * as x509 from '@peculiar/x509';
import { createServer, request, type RequestOptions, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import {
  ADMIN_COMMON_NAME,
  ADMIN_GROUP,
  createAdminKubeconfig,
} from '../../../src/bootstrap/kubeconfig.js';
import {
  generateCertificateAuthority,
  type CertificateAuthority,
} from '../../../src/bootstrap/pki.js';
import { opensslVerify } from './openssl.js';

interface KubeconfigDocument {
  apiVersion: string;
  kind: string;
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

describe('admin kubeconfig', () => {
  let ca: CertificateAuthority;

  beforeAll(async () => {
    // The leaf below is issued at a fixed instant; the CA must already be valid then, whatever
    // today's date is.
    ca = await generateCertificateAuthority('kubernetes', {
      now: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('holds the endpoint, the CA and a one-hour kaas-admin certificate in kubeadm:cluster-admins', async () => {
    const now = new Date('2026-11-29T10:00:00Z');
    const { kubeconfig, expiresAt } = await createAdminKubeconfig({
      clusterName: 'prod',
      endpoint: 'api.prod.example.com:6443',
      ca,
      now,
    });
    const doc = parse(kubeconfig) as KubeconfigDocument;

    expect(doc.apiVersion).toBe('v1');
    expect(doc.kind).toBe('Config');
    expect(doc.clusters).toHaveLength(1);
    expect(doc.clusters[0]!.name).toBe('prod');
    expect(doc.clusters[0]!.cluster.server).toBe('https://api.prod.example.com:6443');
    expect(decode(doc.clusters[0]!.cluster['certificate-authority-data'])).toBe(ca.certPem);
    expect(doc['current-context']).toBe('kaas-admin@prod');
    expect(doc.contexts).toEqual([
      { name: 'kaas-admin@prod', context: { cluster: 'prod', user: 'kaas-admin@prod' } },
    ]);

    const user = doc.users[0]!;
    expect(user.name).toBe('kaas-admin@prod');
    const cert = new x509.X509Certificate(decode(user.user['client-certificate-data']));
    expect(cert.subjectName.getField('CN')).toEqual([ADMIN_COMMON_NAME]);
    expect(cert.subjectName.getField('O')).toEqual([ADMIN_GROUP]);
    expect(ADMIN_GROUP).toBe('kubeadm:cluster-admins');
    expect(cert.notAfter.toISOString()).toBe('2026-11-29T11:00:00.000Z');
    expect(expiresAt.toISOString()).toBe('2026-11-29T11:00:00.000Z');
    expect(decode(user.user['client-key-data'])).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(
      opensslVerify(ca.certPem, cert.toString('pem'), [
        '-purpose',
        'sslclient',
        '-attime',
        String(now.getTime() / 1000),
      ]).ok,
    ).toBe(true);
  });

  it('takes another validity and groups, and brackets an IPv6 endpoint', async () => {
    const { kubeconfig, expiresAt } = await createAdminKubeconfig({
      clusterName: 'lab',
      endpoint: '[fd00::10]:443',
      ca,
      validityMs: 5 * 60_000,
      groups: ['system:masters'],
    });
    const doc = parse(kubeconfig) as KubeconfigDocument;
    expect(doc.clusters[0]!.cluster.server).toBe('https://[fd00::10]:443');
    const cert = new x509.X509Certificate(decode(doc.users[0]!.user['client-certificate-data']));
    expect(cert.subjectName.getField('O')).toEqual(['system:masters']);
    expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
  });

  it('rejects an endpoint that is not host:port', async () => {
    await expect(
      createAdminKubeconfig({ clusterName: 'x', endpoint: 'https://api:6443', ca }),
    ).rejects.toThrow('host:port');
    await expect(createAdminKubeconfig({ clusterName: 'x', endpoint: 'api', ca })).rejects.toThrow(
      'host:port',
    );
  });

  describe('against a mutual-TLS server trusting the cluster CA', () => {
    let server: Server;
    let port: number;

    beforeAll(async () => {
      server = createServer(
        {
          ...(await servingCertificate(ca)),
          ca: ca.certPem,
          requestCert: true,
          rejectUnauthorized: true,
        },
        (req, res) => {
          const peer = (req.socket as TLSSocket).getPeerCertificate();
          res.end(JSON.stringify({ cn: peer.subject.CN, o: peer.subject.O }));
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('authenticates as kaas-admin through @kubernetes/client-node', async () => {
      const { kubeconfig } = await createAdminKubeconfig({
        clusterName: 'prod',
        endpoint: `127.0.0.1:${port}`,
        ca,
      });
      const config = new KubeConfig();
      config.loadFromString(kubeconfig);
      expect(config.getCurrentCluster()?.server).toBe(`https://127.0.0.1:${port}`);
      const options: RequestOptions = {};
      await config.applyToHTTPSOptions(options);
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ ...options, host: '127.0.0.1', port, path: '/' }, (res) => {
          let data = '';
          res.on('data', (chunk: Buffer) => (data += chunk.toString()));
          res.on('end', () => resolve(data));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toEqual({ cn: 'kaas-admin', o: 'kubeadm:cluster-admins' });
    });
  });
});

/** A 127.0.0.1 serving certificate for the test server, signed by the cluster CA. */
async function servingCertificate(
  ca: CertificateAuthority,
): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const caKey = await crypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(ca.keyPem),
    algorithm,
    false,
    ['sign'],
  );
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=kube-apiserver',
    issuer: new x509.X509Certificate(ca.certPem).subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  const key = x509.PemConverter.encode(
    await crypto.subtle.exportKey('pkcs8', keys.privateKey),
    'PRIVATE KEY',
  );
  return { cert: cert.toString('pem'), key };
}
