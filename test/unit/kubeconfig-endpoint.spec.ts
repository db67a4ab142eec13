import { describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import {
  currentContext,
  endpointFromKubeconfig,
  plainEndpoint,
} from '../../src/kube/kubeconfig-endpoint.js';
import { endpointOf } from '../../src/kube/tenant-endpoint.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

function kubeconfig(cluster: string[], user: string[]): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: other',
    '  cluster:',
    '    server: https://10.9.9.9:6443',
    '- name: c',
    '  cluster:',
    ...cluster.map((line) => `    ${line}`),
    'users:',
    '- name: u',
    '  user:',
    ...(user.length > 0 ? user.map((line) => `    ${line}`) : ['    {}']),
    'contexts:',
    '- name: elsewhere',
    '  context: { cluster: other, user: u }',
    '- name: ctx',
    '  context: { cluster: c, user: u }',
    'current-context: ctx',
  ].join('\n');
}

/** What client-node makes of the same kubeconfig. */
async function throughClientNode(text: string) {
  const config = new KubeConfig();
  config.loadFromString(text);
  return endpointOf(config)();
}

const SERVER = 'server: https://10.0.0.1:6443';
const CA = `certificate-authority-data: ${b64('CA-PEM')}`;

describe('kubeconfig endpoints without client-node', () => {
  it('reads the current context: server, CA, client certificate and key, as client-node does', async () => {
    const text = kubeconfig(
      [SERVER, CA],
      [`client-certificate-data: ${b64('CERT-PEM')}`, `client-key-data: ${b64('KEY-PEM')}`],
    );
    const plain = plainEndpoint(text);
    expect(plain).toEqual({
      server: 'https://10.0.0.1:6443',
      ca: 'CA-PEM',
      cert: 'CERT-PEM',
      key: 'KEY-PEM',
    });
    const reference = await throughClientNode(text);
    expect(plain!.server).toBe(reference.server);
    expect([plain!.ca, plain!.cert, plain!.key]).toEqual(
      [reference.ca, reference.cert, reference.key].map(String),
    );
    expect(await endpointFromKubeconfig(text)()).toEqual(plain);
  });

  it('sends a token as a bearer header, and keeps skip-verify and the server name', async () => {
    const text = kubeconfig(
      [SERVER, 'insecure-skip-tls-verify: true', 'tls-server-name: api.internal'],
      ['token: abc.def'],
    );
    const plain = plainEndpoint(text)!;
    expect(plain).toEqual({
      server: 'https://10.0.0.1:6443',
      headers: { Authorization: 'Bearer abc.def' },
      rejectUnauthorized: false,
      servername: 'api.internal',
    });
    const reference = await throughClientNode(text);
    expect(plain.headers).toEqual(reference.headers);
    expect(plain.rejectUnauthorized).toBe(reference.rejectUnauthorized);
  });

  it('leaves other kubeconfigs to client-node: basic authentication, a proxy', async () => {
    const basic = kubeconfig([SERVER, CA], ['username: admin', 'password: secret']);
    expect(plainEndpoint(basic)).toBeUndefined();
    const viaClientNode = await endpointFromKubeconfig(basic)();
    expect(viaClientNode.auth).toBe('admin:secret');
    expect(String(viaClientNode.ca)).toBe('CA-PEM');

    const proxied = kubeconfig([SERVER, CA, 'proxy-url: http://127.0.0.1:3128'], ['token: t']);
    expect(plainEndpoint(proxied)).toBeUndefined();
    const endpoint = await endpointFromKubeconfig(proxied)();
    expect(endpoint.proxyAgent).toBeDefined();
    expect(endpoint.headers).toEqual({ Authorization: 'Bearer t' });
  });

  it('says when the kubeconfig names no cluster, as client-node does', async () => {
    expect(plainEndpoint('apiVersion: v1\nkind: Config\n')).toBeUndefined();
    expect(plainEndpoint(': not yaml: [')).toBeUndefined();
    await expect(endpointFromKubeconfig('apiVersion: v1\nkind: Config\n')()).rejects.toThrow(
      'names no cluster',
    );
  });

  it('gives the current cluster as written', () => {
    const text = kubeconfig([SERVER, CA], []);
    expect(currentContext(text)).toEqual({
      cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64('CA-PEM') },
      user: {},
    });
  });
});
