import { afterEach, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import {
  generateCertificateAuthority,
  signClientCertificate,
  signServingCertificate,
} from '../../src/bootstrap/pki.js';
import { NodeWatcher, type NodeEvent } from '../../src/kube/node-watcher.js';
import { endpointOf, type TenantEndpoint } from '../../src/kube/tenant-endpoint.js';
import { eventually } from '../support/http.js';

/** An API server of one node that checks client certificates and records what it was sent. */
async function apiServer(node: string) {
  const ca = await generateCertificateAuthority('test-ca');
  const serving = await signServingCertificate(ca, {
    commonName: 'api',
    ipAddresses: ['127.0.0.1'],
  });
  const client = await signClientCertificate(ca, { commonName: 'kaas-monitor' });
  const seen: { path: string; authorization?: string; clientCn?: string }[] = [];
  const nodeObject = {
    metadata: { name: node },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const server = https.createServer(
    { cert: serving.certPem, key: serving.keyPem, ca: ca.certPem, requestCert: true },
    (request, response) => {
      const socket = request.socket as import('node:tls').TLSSocket;
      seen.push({
        path: request.url ?? '',
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
        ...(socket.authorized ? { clientCn: String(socket.getPeerCertificate().subject.CN) } : {}),
      });
      if (!socket.authorized) {
        response.writeHead(401).end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      if (request.url?.includes('watch=true')) {
        response.write(JSON.stringify({ type: 'MODIFIED', object: nodeObject }) + '\n');
        return; // held open, as a watch is
      }
      response.end(JSON.stringify({ metadata: { resourceVersion: '7' }, items: [nodeObject] }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint: TenantEndpoint = {
    server: `https://127.0.0.1:${port}`,
    ca: ca.certPem,
    cert: client.certPem,
    key: client.keyPem,
    headers: { Authorization: 'Bearer t0ken' },
  };
  return {
    endpoint,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('NodeWatcher on an endpoint', () => {
  it('lists and watches with the endpoint’s CA, client certificate and headers', async () => {
    const api = await apiServer('n1');
    cleanups.push(api.stop);
    const events: NodeEvent[] = [];
    const watcher = new NodeWatcher(
      async () => api.endpoint,
      (e) => events.push(e),
      {
        labelSelector: 'kaas.dev/cluster=c1',
      },
    );
    cleanups.push(() => watcher.stop());
    await watcher.start();
    await eventually(
      async () => events.length,
      (n) => n >= 2,
      5_000,
    );
    expect(watcher.hasListed()).toBe(true);
    expect(events.map((e) => `${e.type} ${e.node.name} ${e.node.ready}`)).toEqual([
      'ADDED n1 true',
      'MODIFIED n1 true',
    ]);
    const [list, watch] = api.seen;
    expect(list).toEqual({
      path: '/api/v1/nodes?labelSelector=kaas.dev%2Fcluster%3Dc1',
      authorization: 'Bearer t0ken',
      clientCn: 'kaas-monitor',
    });
    expect(watch!.path).toContain('watch=true');
    expect(watch!.path).toContain('resourceVersion=7');
    expect(watch!.authorization).toBe('Bearer t0ken');
  });

  it('refuses an API server its CA did not sign, or whose certificate names another host', async () => {
    const api = await apiServer('n1');
    const impostor = await apiServer('n1');
    cleanups.push(api.stop, impostor.stop);
    const attempts: { endpoint: TenantEndpoint; error: RegExp }[] = [
      // The impostor's address, with the real cluster's CA.
      { endpoint: { ...api.endpoint, server: impostor.endpoint.server }, error: /certificate/i },
      // The right CA, but dialled by a name the serving certificate does not carry.
      {
        endpoint: { ...api.endpoint, servername: 'elsewhere.example' },
        error: /altnames|elsewhere/i,
      },
    ];
    for (const { endpoint, error } of attempts) {
      const events: NodeEvent[] = [];
      const errors: unknown[] = [];
      const watcher = new NodeWatcher(
        async () => endpoint,
        (e) => events.push(e),
        { backoffMs: { initial: 50, max: 100 }, onError: (e) => errors.push(e) },
      );
      cleanups.push(() => watcher.stop());
      await watcher.start();
      await eventually(
        async () => errors.length,
        (n) => n >= 2,
        5_000,
      );
      watcher.stop();
      expect(String(errors[0])).toMatch(error);
      expect(events).toEqual([]);
      expect(watcher.hasListed()).toBe(false);
    }
    // Nothing reached either server's handler: the handshake was refused first.
    expect(impostor.seen).toEqual([]);
    expect(api.seen).toEqual([]);
  });

  it('moves to a new CA and client certificate when the endpoint changes', async () => {
    const first = await apiServer('old');
    const second = await apiServer('new');
    cleanups.push(second.stop);
    let current = first.endpoint;
    const events: NodeEvent[] = [];
    const errors: unknown[] = [];
    const watcher = new NodeWatcher(
      async () => current,
      (e) => events.push(e),
      {
        backoffMs: { initial: 20, max: 100 },
        onError: (error) => errors.push(error),
      },
    );
    cleanups.push(() => watcher.stop());
    await watcher.start();
    expect(events.map((e) => e.node.name)).toEqual(['old']);
    // The cluster's API server is replaced: another address, another CA, another certificate.
    current = second.endpoint;
    await first.stop();
    await eventually(
      async () => events.map((e) => `${e.type} ${e.node.name}`),
      (names) => names.includes('ADDED new') && names.includes('DELETED old'),
      10_000,
    );
    expect(second.seen.some((s) => s.clientCn === 'kaas-monitor')).toBe(true);
    expect(second.seen.every((s) => s.clientCn === 'kaas-monitor')).toBe(true);
  });
});

describe('endpointOf', () => {
  const kubeconfig = (user: string) =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      '    server: https://10.0.0.1:6443',
      `    certificate-authority-data: ${Buffer.from('CA-PEM').toString('base64')}`,
      'users:',
      '- name: u',
      '  user:',
      user,
      'contexts:',
      '- name: ctx',
      '  context: { cluster: c, user: u }',
      'current-context: ctx',
    ].join('\n');

  it('takes the server, the CA and a client certificate', async () => {
    const config = new KubeConfig();
    config.loadFromString(
      kubeconfig(
        [
          `    client-certificate-data: ${Buffer.from('CERT-PEM').toString('base64')}`,
          `    client-key-data: ${Buffer.from('KEY-PEM').toString('base64')}`,
        ].join('\n'),
      ),
    );
    const endpoint = await endpointOf(config)();
    expect(endpoint.server).toBe('https://10.0.0.1:6443');
    expect(String(endpoint.ca)).toBe('CA-PEM');
    expect(String(endpoint.cert)).toBe('CERT-PEM');
    expect(String(endpoint.key)).toBe('KEY-PEM');
    expect(endpoint.headers).toBeUndefined();
    expect(endpoint.proxyAgent).toBeUndefined();
  });

  it('takes a bearer token as a header, read again each time', async () => {
    const config = new KubeConfig();
    config.loadFromString(kubeconfig('    token: first'));
    const source = endpointOf(config);
    expect((await source()).headers).toEqual({ Authorization: 'Bearer first' });
    config.users[0] = { name: 'u', token: 'second' };
    expect((await source()).headers).toEqual({ Authorization: 'Bearer second' });
  });

  it('says when the kubeconfig names no cluster', async () => {
    await expect(endpointOf(new KubeConfig())()).rejects.toThrow('names no cluster');
  });
});
