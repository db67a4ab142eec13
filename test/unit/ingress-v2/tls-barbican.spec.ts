import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { V1Secret } from '@kubernetes/client-node';
import { generateCertificateAuthority, signClientCertificate } from '../../../src/bootstrap/pki.js';
import { BarbicanClient } from '../../../src/providers/openstack/barbican.js';
import { OctaviaClient } from '../../../src/providers/openstack/octavia.js';
import {
  containerName,
  readTlsSecret,
  TlsCertificateStore,
} from '../../../src/ingress-v2/tls-certificates.js';
import { LoadBalancerChanges } from '../../../src/ingress-v2/lb-changes.js';
import { ensureListeners } from '../../../src/ingress-v2/listener-sync.js';
import type { TlsSecretRef } from '../../../src/ingress-v2/ingress-model.js';
import { RecordedSession, type Recording } from './recorded-openstack.js';

/*
 * Barbican answers as the Key Manager API v1 reference gives them: 201 with `secret_ref` for
 * POST /v1/secrets, 201 with `container_ref` for POST /v1/containers, a page of containers
 * with `total` for GET /v1/containers, 204 for deletes and Barbican's own 404 body.
 */
const BARBICAN = 'https://barbican.example.com:9311/v1';
const secretRef = (id: string) => `${BARBICAN}/secrets/${id}`;
const containerRef = (id: string) => `${BARBICAN}/containers/${id}`;
const NOT_FOUND = {
  code: 404,
  description: 'Not Found. Sorry but your secret is in another castle.',
  title: 'Not Found',
};

function container(id: string, name: string, secrets: string[]) {
  return {
    consumers: [],
    container_ref: containerRef(id),
    created: '2026-11-29T07:00:00',
    creator_id: 'b0bd5d5a2b0e4b3c9d52c2e5e0a8f3a1',
    name,
    secret_refs: secrets.map((s, i) => ({
      name: ['certificate', 'private_key', 'intermediates'][i]!,
      secret_ref: secretRef(s),
    })),
    status: 'ACTIVE',
    type: 'certificate',
    updated: '2026-11-29T07:00:00',
  };
}

const page = (containers: unknown[]) => ({
  status: 200,
  data: { containers, total: containers.length },
});

function tlsSecret(crt: string, key: string): V1Secret {
  return {
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(crt).toString('base64'),
      'tls.key': Buffer.from(key).toString('base64'),
    },
  };
}

const REF: TlsSecretRef = {
  namespace: 'shop',
  name: 'shop-tls',
  hosts: ['a.example.com'],
  owner: { namespace: 'shop', name: 'shop' },
};

describe('TLS Secrets of Ingresses', () => {
  it('reads a certificate, its chain and its key, and fingerprints them', async () => {
    const ca = await generateCertificateAuthority('shop CA');
    const leaf = await signClientCertificate(ca, { commonName: 'a.example.com' });
    const reading = readTlsSecret(REF, tlsSecret(`${leaf.certPem}\n${ca.certPem}`, leaf.keyPem));
    expect(reading.ok).toBe(true);
    if (!reading.ok) return;
    expect(reading.material.certificate.trim()).toBe(leaf.certPem.trim());
    expect(reading.material.intermediates?.trim()).toBe(ca.certPem.trim());
    expect(reading.material.privateKey).toBe(leaf.keyPem);
    expect(reading.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a missing Secret, a key of another certificate, no PEM and an expired certificate', async () => {
    const a = await generateCertificateAuthority('a.example.com');
    const b = await generateCertificateAuthority('b.example.com');
    const old = await generateCertificateAuthority('old.example.com', {
      now: new Date('2020-01-01T00:00:00Z'),
      validityMs: 86_400_000,
    });
    const problem = (secret: V1Secret | undefined) => {
      const reading = readTlsSecret(REF, secret);
      return reading.ok ? 'ok' : reading.problem;
    };
    expect(problem(undefined)).toBe('Secret shop/shop-tls not found');
    expect(problem({ data: {} })).toBe('Secret shop/shop-tls has no tls.crt and tls.key');
    expect(problem(tlsSecret(a.certPem, b.keyPem))).toMatch(
      /tls.key is not the key of the certificate/,
    );
    expect(problem(tlsSecret('not a certificate', a.keyPem))).toMatch(/holds no PEM certificate/);
    expect(problem(tlsSecret(old.certPem, old.keyPem))).toMatch(/expired on Jan +2 .*2020/);
  });
});

describe('certificates in Barbican (recorded answers)', () => {
  const material = {
    certificate: 'CERT PEM\n',
    privateKey: 'KEY PEM\n',
    intermediates: 'CA PEM\n',
  };

  it('stores a new certificate as three secrets in a certificate container', async () => {
    const session = new RecordedSession([
      { service: 'key-manager', method: 'GET', path: '/v1/containers', answer: page([]) },
      ...['11', '22', '33'].map((id): Recording => ({
        service: 'key-manager',
        method: 'POST',
        path: '/v1/secrets',
        answer: { status: 201, data: { secret_ref: secretRef(id) } },
      })),
      {
        service: 'key-manager',
        method: 'POST',
        path: '/v1/containers',
        answer: { status: 201, data: { container_ref: containerRef('c1') } },
      },
    ]);
    const store = new TlsCertificateStore(new BarbicanClient(session), 'c42');
    const ref = await store.ensure('shop/shop', 'abcdef0123456789', material);
    expect(ref).toBe(containerRef('c1'));
    const [list, crt, key, chain, create] = session.requests;
    expect(list!.params).toMatchObject({
      name: expect.stringMatching(/^kaas-ingress-c42-[0-9a-f]{12}-abcdef0123456789$/),
    });
    expect([crt, key, chain].map((r) => r!.data)).toEqual([
      expect.objectContaining({
        payload: 'CERT PEM\n',
        secret_type: 'certificate',
        payload_content_type: 'text/plain',
      }),
      expect.objectContaining({
        payload: 'KEY PEM\n',
        secret_type: 'private',
        payload_content_type: 'text/plain',
      }),
      expect.objectContaining({ payload: 'CA PEM\n', secret_type: 'certificate' }),
    ]);
    expect(create!.data).toEqual({
      type: 'certificate',
      name: (list!.params as { name: string }).name,
      secret_refs: [
        { name: 'certificate', secret_ref: secretRef('11') },
        { name: 'private_key', secret_ref: secretRef('22') },
        { name: 'intermediates', secret_ref: secretRef('33') },
      ],
    });
    expect(session.remaining).toBe(0);
  });

  it('reuses the container already holding the same certificate', async () => {
    const session = new RecordedSession([
      {
        service: 'key-manager',
        method: 'GET',
        path: '/v1/containers',
        answer: (r) => page([container('c9', String(r.params!.name), ['1', '2'])]),
      },
    ]);
    const store = new TlsCertificateStore(new BarbicanClient(session), 'c42');
    expect(await store.ensure('shop/shop', 'abcdef0123456789', material)).toBe(containerRef('c9'));
    expect(session.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('prunes the replaced and orphaned containers of its cluster with their secrets, nothing else', async () => {
    const current = containerName('c42', 'shop/shop', '1111111111111111');
    const replaced = containerName('c42', 'shop/shop', '0000000000000000');
    const gone = containerName('c42', 'shop/gone', '2222222222222222');
    const listing = [
      container('in-use', current, ['s1', 's2']),
      container('replaced', replaced, ['s3', 's4']),
      container('orphan', gone, ['s5', 's6']),
      container('other-cluster', 'kaas-ingress-c7-000000000000-1111111111111111', ['s7', 's8']),
    ];
    const deletes: string[] = [];
    const del = (path: RegExp): Recording => ({
      service: 'key-manager',
      method: 'DELETE',
      path,
      answer: (r) => {
        deletes.push(r.url);
        // One secret went already: deleting it again is not an error.
        return r.url.endsWith('/s4') ? { status: 404, data: NOT_FOUND } : { status: 204 };
      },
    });
    const session = new RecordedSession([
      { service: 'key-manager', method: 'GET', path: '/v1/containers', answer: page(listing) },
      { service: 'key-manager', method: 'GET', path: '/v1/containers', answer: page(listing) },
      ...Array.from({ length: 6 }, () => del(/^\/v1\/(containers|secrets)\//)),
    ]);
    const store = new TlsCertificateStore(new BarbicanClient(session), 'c42');
    expect(await store.prune('shop/shop', new Set(['in-use']))).toBe(1);
    expect(await store.pruneOrphans(['shop/shop'])).toBe(1);
    expect(deletes).toEqual([
      '/v1/containers/replaced',
      '/v1/secrets/s3',
      '/v1/secrets/s4',
      '/v1/containers/orphan',
      '/v1/secrets/s5',
      '/v1/secrets/s6',
    ]);
  });

  it('gives a TERMINATED_HTTPS listener the Barbican container of the Ingress certificate', async () => {
    const barbican = new RecordedSession([
      { service: 'key-manager', method: 'GET', path: '/v1/containers', answer: page([]) },
      ...['11', '22'].map((id): Recording => ({
        service: 'key-manager',
        method: 'POST',
        path: '/v1/secrets',
        answer: { status: 201, data: { secret_ref: secretRef(id) } },
      })),
      {
        service: 'key-manager',
        method: 'POST',
        path: '/v1/containers',
        answer: { status: 201, data: { container_ref: containerRef('c1') } },
      },
    ]);
    const ref = await new TlsCertificateStore(new BarbicanClient(barbican), 'c42').ensure(
      'shop/shop',
      'abcdef0123456789',
      { certificate: 'CERT', privateKey: 'KEY' },
    );
    const active = {
      status: 200,
      data: { loadbalancer: { id: 'lb1', provisioning_status: 'ACTIVE' } },
    };
    const lbGet = (): Recording => ({
      service: 'load-balancer',
      method: 'GET',
      path: '/v2/lbaas/loadbalancers/lb1',
      answer: active,
    });
    const octavia = new RecordedSession([
      {
        service: 'load-balancer',
        method: 'GET',
        path: '/v2/lbaas/listeners',
        answer: { status: 200, data: { listeners: [] } },
      },
      {
        service: 'load-balancer',
        method: 'GET',
        path: '/v2/lbaas/listeners',
        answer: { status: 200, data: { listeners: [] } },
      },
      lbGet(),
      {
        service: 'load-balancer',
        method: 'POST',
        path: '/v2/lbaas/listeners',
        answer: (r) => ({
          status: 201,
          data: {
            listener: {
              id: 'l1',
              provisioning_status: 'PENDING_CREATE',
              ...(r.data as { listener: object }).listener,
            },
          },
        }),
      },
      lbGet(),
    ]);
    const changes = new LoadBalancerChanges(new OctaviaClient(octavia), 'lb1', {
      activeTimeoutMs: 1_000,
      pollMs: 1,
      sleep: async () => undefined,
    });
    const pools = new Map([
      [
        'shop/web:80',
        { id: 'p1', name: 'shop/web:80', healthmonitor_id: null, provisioning_status: 'ACTIVE' },
      ],
    ]);
    const listeners = await ensureListeners(
      changes,
      [
        {
          name: 'https',
          protocol: 'TERMINATED_HTTPS',
          port: 443,
          defaultPool: 'shop/web:80',
          policies: [],
          tls: [REF],
        },
      ],
      pools,
      () => ({ defaultRef: ref, sniRefs: [] }),
    );
    const create = octavia.requests.find((r) => r.method === 'POST')!;
    expect(create.data).toEqual({
      listener: expect.objectContaining({
        loadbalancer_id: 'lb1',
        protocol: 'TERMINATED_HTTPS',
        protocol_port: 443,
        default_pool_id: 'p1',
        default_tls_container_ref: containerRef('c1'),
        sni_container_refs: [],
      }),
    });
    expect(listeners.get('https')?.id).toBe('l1');
    expect(octavia.remaining).toBe(0);
  });
});
