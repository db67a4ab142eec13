import { describe, expect, it } from '@jest/globals';
import {
  desiredLoadBalancer,
  hostRules,
  pathRules,
} from '../../../src/ingress-v2/desired-state.js';
import { IngressClassifier, ingressKey } from '../../../src/ingress-v2/ingress-class.js';
import { backend, ingress, NS, pod, service, slice, view } from './factories.js';

const webService = service('web', [{ name: 'http', port: 80 }]);
const apiService = service('api', [{ port: 8000 }]);

describe('the desired load balancer of an Ingress', () => {
  const twoHosts = ingress('shop', {
    rules: [
      {
        host: 'a.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: backend('web', 'http') },
            { path: '/api', pathType: 'Prefix', backend: backend('api', 8000) },
            { path: '/healthz', pathType: 'Exact', backend: backend('api', 8000) },
          ],
        },
      },
      {
        host: 'b.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] },
      },
    ],
  });

  it('makes one pool per Service port, whether the backend names the port or its number', () => {
    const desired = desiredLoadBalancer(
      `${NS}/shop`,
      [twoHosts],
      view({ services: [webService, apiService] }),
    );
    expect(desired.pools.map((p) => p.name)).toEqual([`${NS}/api:8000`, `${NS}/web:80`]);
    expect(desired.problems).toEqual([]);
  });

  it('orders L7 policies most specific first: exact paths, then longer prefixes, then the host alone', () => {
    const desired = desiredLoadBalancer(
      `${NS}/shop`,
      [twoHosts],
      view({ services: [webService, apiService] }),
    );
    const http = desired.listeners.find((l) => l.name === 'http')!;
    expect(http.protocol).toBe('HTTP');
    expect(http.port).toBe(80);
    expect(http.defaultPool).toBeUndefined();
    expect(
      http.policies.map((p) => [
        p.pool,
        p.rules.map((r) => `${r.type} ${r.compareType} ${r.value}`),
      ]),
    ).toEqual([
      [`${NS}/api:8000`, ['HOST_NAME EQUAL_TO a.example.com', 'PATH EQUAL_TO /healthz']],
      [`${NS}/api:8000`, ['HOST_NAME EQUAL_TO a.example.com', 'PATH REGEX ^\\/api(/.*)?$']],
      [`${NS}/web:80`, ['HOST_NAME EQUAL_TO a.example.com']],
      [`${NS}/web:80`, ['HOST_NAME EQUAL_TO b.example.com']],
    ]);
    expect(new Set(http.policies.map((p) => p.name)).size).toBe(4);
    expect(desired.listeners).toHaveLength(1);
  });

  it('uses ready endpoints only, de-duplicated across slices, with the targetPort of the slice', () => {
    const slices = [
      slice(
        'web',
        [{ name: 'http', port: 8080 }],
        [
          { ip: '10.0.0.1', pod: 'web-1' },
          { ip: '10.0.0.2', pod: 'web-2', ready: false },
          { ip: '10.0.0.3', pod: 'web-3', ready: true, terminating: true },
        ],
      ),
      slice(
        'web',
        [{ name: 'http', port: 8080 }],
        [
          { ip: '10.0.0.1', pod: 'web-1', ready: true },
          { ip: '10.0.0.4', pod: 'web-4', ready: true },
        ],
      ),
      slice('web', [{ name: 'metrics', port: 9100 }], [{ ip: '10.0.0.5', pod: 'web-5' }]),
    ];
    const desired = desiredLoadBalancer(
      `${NS}/shop`,
      [twoHosts],
      view({ services: [webService, apiService], slices }),
    );
    expect(desired.pools.find((p) => p.name === `${NS}/web:80`)!.members).toEqual([
      {
        address: '10.0.0.1',
        port: 8080,
        name: `${NS}/web-1`,
        pod: { namespace: NS, name: 'web-1' },
      },
      {
        address: '10.0.0.4',
        port: 8080,
        name: `${NS}/web-4`,
        pod: { namespace: NS, name: 'web-4' },
      },
    ]);
  });

  it('admits a not-ready endpoint whose pod waits only for the load-balancer readiness gate', () => {
    const slices = [
      slice(
        'web',
        [{ name: 'http', port: 8080 }],
        [
          { ip: '10.0.0.1', pod: 'gated', ready: false },
          { ip: '10.0.0.2', pod: 'starting', ready: false },
          { ip: '10.0.0.3', pod: 'ungated', ready: false },
        ],
      ),
    ];
    const pods = [
      pod('gated', { gated: true }),
      pod('starting', { gated: true, containersReady: false }),
      pod('ungated'),
    ];
    const desired = desiredLoadBalancer(
      `${NS}/shop`,
      [twoHosts],
      view({ services: [webService, apiService], slices, pods }),
    );
    expect(
      desired.pools.find((p) => p.name === `${NS}/web:80`)!.members.map((m) => m.address),
    ).toEqual(['10.0.0.1']);
  });

  it('reports an unknown Service and port, and keeps an empty pool so those routes answer 503', () => {
    const bad = ingress('bad', {
      rules: [
        {
          http: {
            paths: [
              { path: '/x', pathType: 'Prefix', backend: backend('nope', 80) },
              { path: '/y', pathType: 'Prefix', backend: backend('web', 'grpc') },
            ],
          },
        },
      ],
    });
    const desired = desiredLoadBalancer(`${NS}/bad`, [bad], view({ services: [webService] }));
    expect(desired.problems.map((p) => [p.reason, p.message])).toEqual([
      ['ServiceNotFound', `Service ${NS}/nope not found`],
      ['ServicePortNotFound', `Service ${NS}/web has no port grpc`],
    ]);
    expect(desired.pools.map((p) => [p.name, p.members.length])).toEqual([
      [`${NS}/nope:80`, 0],
      [`${NS}/web:grpc`, 0],
    ]);
  });

  it('sends what no rule matches to the default backend, or to a rule without host and path', () => {
    const withDefault = ingress('d', { defaultBackend: backend('web', 80) });
    expect(
      desiredLoadBalancer('k', [withDefault], view({ services: [webService] })).listeners[0]!
        .defaultPool,
    ).toBe(`${NS}/web:80`);
    const catchAll = ingress('c', {
      rules: [
        { http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('api', 8000) }] } },
      ],
    });
    const desired = desiredLoadBalancer('k', [catchAll], view({ services: [apiService] }));
    expect(desired.listeners[0]!.defaultPool).toBe(`${NS}/api:8000`);
    expect(desired.listeners[0]!.policies).toEqual([]);
  });

  it('adds a TERMINATED_HTTPS listener with the same routes when the Ingress has TLS', () => {
    const tls = ingress('t', {
      ...twoHosts.spec,
      tls: [{ hosts: ['a.example.com'], secretName: 'shop-tls' }],
    });
    const desired = desiredLoadBalancer('k', [tls], view({ services: [webService, apiService] }));
    const https = desired.listeners.find((l) => l.name === 'https')!;
    expect(https).toMatchObject({ protocol: 'TERMINATED_HTTPS', port: 443 });
    expect(https.tls).toEqual([
      {
        namespace: NS,
        name: 'shop-tls',
        hosts: ['a.example.com'],
        owner: { namespace: NS, name: 't' },
      },
    ]);
    expect(https.policies).toEqual(desired.listeners[0]!.policies);
  });

  it('merges a group into one load balancer; the older Ingress keeps a contested route', () => {
    const group = { 'ingress.kaas.dev/group': 'storefront' };
    const older = ingress(
      'older',
      {
        rules: [
          {
            host: 'a.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] },
          },
        ],
      },
      { annotations: group, created: '2026-11-29T06:00:00Z' },
    );
    const newer = ingress(
      'newer',
      {
        rules: [
          {
            host: 'a.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('api', 8000) }] },
          },
          {
            host: 'c.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('api', 8000) }] },
          },
        ],
      },
      { annotations: group },
    );
    expect(ingressKey(older)).toBe('group:storefront');
    expect(ingressKey(newer)).toBe('group:storefront');
    const desired = desiredLoadBalancer(
      'group:storefront',
      [newer, older],
      view({ services: [webService, apiService] }),
    );
    expect(desired.listeners[0]!.policies.map((p) => [p.pool, p.rules[0]!.value])).toEqual([
      [`${NS}/web:80`, 'a.example.com'],
      [`${NS}/api:8000`, 'c.example.com'],
    ]);
    expect(desired.problems).toEqual([
      expect.objectContaining({
        ingress: { namespace: NS, name: 'newer' },
        reason: 'RuleConflict',
      }),
    ]);
  });
});

describe('host and path rules', () => {
  it('matches a wildcard host on exactly one more DNS label', () => {
    const [rule] = hostRules('*.example.com');
    const re = new RegExp(rule!.value);
    expect(rule!.compareType).toBe('REGEX');
    expect(re.test('shop.example.com')).toBe(true);
    expect(re.test('example.com')).toBe(false);
    expect(re.test('a.b.example.com')).toBe(false);
    expect(re.test('shopexample.com')).toBe(false);
  });

  it('matches a Prefix path on whole path elements, as the Ingress API defines it', () => {
    const re = new RegExp(pathRules('/foo/', false)[0]!.value);
    expect(['/foo', '/foo/', '/foo/bar'].map((p) => re.test(p))).toEqual([true, true, true]);
    expect(['/foobar', '/fo', '/'].map((p) => re.test(p))).toEqual([false, false, false]);
    expect(pathRules('/', false)).toEqual([]);
    expect(pathRules('/a.b', true)).toEqual([
      { type: 'PATH', compareType: 'EQUAL_TO', value: '/a.b' },
    ]);
  });
});

describe('which Ingresses are ours', () => {
  const classes = [
    { metadata: { name: 'kaas-v2' }, spec: { controller: 'kaas.dev/ingress-v2' } },
    {
      metadata: {
        name: 'nginx',
        annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
      },
      spec: { controller: 'k8s.io/ingress-nginx' },
    },
  ];
  const classifier = new IngressClassifier(() => classes);

  it('takes Ingresses of a class with our controller, by field or legacy annotation', () => {
    expect(classifier.isOurs(ingress('a', {}))).toBe(true);
    expect(
      classifier.isOurs({
        metadata: { name: 'b', annotations: { 'kubernetes.io/ingress.class': 'kaas-v2' } },
        spec: {},
      }),
    ).toBe(true);
    expect(
      classifier.isOurs({ metadata: { name: 'c' }, spec: { ingressClassName: 'nginx' } }),
    ).toBe(false);
  });

  it('takes class-less Ingresses only when our class is the default', () => {
    expect(classifier.isOurs({ metadata: { name: 'd' }, spec: {} })).toBe(false);
    const ours = new IngressClassifier(() => [
      {
        metadata: {
          name: 'kaas-v2',
          annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
        },
        spec: { controller: 'kaas.dev/ingress-v2' },
      },
    ]);
    expect(ours.isOurs({ metadata: { name: 'd' }, spec: {} })).toBe(true);
  });
});
