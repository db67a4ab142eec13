import { describe, expect, it } from '@jest/globals';
import type { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { OpenStackHttpError } from '../../../src/providers/openstack/http.js';
import type { OctaviaClient } from '../../../src/providers/openstack/octavia.js';
import { IngressReconciler } from '../../../src/ingress-v2/ingress-reconciler.js';
import { IngressReporter } from '../../../src/ingress-v2/ingress-status.js';
import type { LoadBalancerLifecycle } from '../../../src/ingress-v2/lb-lifecycle.js';
import type { TlsCertificateStore } from '../../../src/ingress-v2/tls-certificates.js';
import { ingressV2ConfigFromEnv } from '../../../src/ingress-v2/ingress-v2-config.js';
import { backend, ingress, NS, service, view } from './factories.js';

/** The Events API, recorded. */
class RecordingEvents {
  readonly events: { reason: string; type: string; message: string; name: string }[] = [];
  createNamespacedEvent(request: {
    body: { reason: string; type: string; message: string; involvedObject: { name: string } };
  }) {
    const { reason, type, message, involvedObject } = request.body;
    this.events.push({ reason, type, message, name: involvedObject.name });
    return Promise.resolve({});
  }
}

function reconcilerFailingWith(error: unknown, keyManager = false) {
  const events = new RecordingEvents();
  const lifecycle = {
    ensure: () => Promise.reject(error),
    teardown: () => Promise.resolve(0),
  } as unknown as LoadBalancerLifecycle;
  const reconciler = new IngressReconciler({
    octavia: {} as OctaviaClient,
    lifecycle,
    reporter: new IngressReporter(events as unknown as CoreV1Api, {} as NetworkingV1Api),
    core: {
      readNamespacedSecret: () => Promise.reject(new Error('not read')),
    } as unknown as CoreV1Api,
    tls: {} as TlsCertificateStore,
    keyManagerAvailable: () => Promise.resolve(keyManager),
  });
  return { reconciler, events };
}

const shop = ingress('shop', {
  tls: [{ hosts: ['a.example.com'], secretName: 'shop-tls' }],
  rules: [
    {
      host: 'a.example.com',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] },
    },
  ],
});

describe('Events that explain a failed reconcile', () => {
  it('says the load-balancer quota is used up when Octavia refuses for quota', async () => {
    const quota = new OpenStackHttpError(
      'load-balancer',
      'POST',
      '/v2/lbaas/loadbalancers',
      403,
      'Quota has been met for resources: load_balancer',
    );
    const { reconciler, events } = reconcilerFailingWith(quota);
    await expect(
      reconciler.reconcile(
        `${NS}/shop`,
        [shop],
        view({ services: [service('web', [{ port: 80 }])] }),
      ),
    ).rejects.toBe(quota);
    expect(events.events).toEqual([
      expect.objectContaining({
        name: 'shop',
        type: 'Warning',
        reason: 'TLSUnavailable',
        message: expect.stringContaining('needs a key manager (Barbican)'),
      }),
      expect.objectContaining({
        name: 'shop',
        type: 'Warning',
        reason: 'QuotaExceeded',
        message: expect.stringContaining('Quota has been met'),
      }),
    ]);
  });

  it('reports an unknown Service and any other Octavia refusal, once per message', async () => {
    const refused = new OpenStackHttpError(
      'load-balancer',
      'POST',
      '/v2/lbaas/loadbalancers',
      400,
      'Invalid input',
    );
    const { reconciler, events } = reconcilerFailingWith(refused);
    const plain = ingress('plain', { defaultBackend: backend('nope', 80) });
    for (let i = 0; i < 2; i++)
      await expect(reconciler.reconcile(`${NS}/plain`, [plain], view({}))).rejects.toBe(refused);
    expect(events.events.map((e) => [e.reason, e.message])).toEqual([
      ['ServiceNotFound', `Service ${NS}/nope not found`],
      ['LoadBalancerError', expect.stringContaining('Invalid input')],
    ]);
  });
});

describe('the controller configuration', () => {
  const base = {
    OS_AUTH_URL: 'https://keystone.example.com:5000/v3',
    KAAS_INGRESS_CLUSTER_ID: 'c42',
    KAAS_INGRESS_VIP_SUBNET_ID: 'subnet-1',
  };

  it('reads an application credential and the defaults', () => {
    const config = ingressV2ConfigFromEnv({
      ...base,
      OS_APPLICATION_CREDENTIAL_ID: 'id',
      OS_APPLICATION_CREDENTIAL_SECRET: 'secret',
      KAAS_INGRESS_WEBHOOK_PORT: '9443',
    });
    expect(config).toEqual({
      cloud: {
        authUrl: base.OS_AUTH_URL,
        region: 'RegionOne',
        interface: 'public',
        credentials: { type: 'applicationCredential', id: 'id', secret: 'secret' },
      },
      clusterId: 'c42',
      vipSubnetId: 'subnet-1',
      resyncMs: 60_000,
      gatePollMs: 5_000,
      webhook: { port: 9443, serviceHost: 'ingress-v2-webhook.kaas-ingress-v2.svc' },
    });
  });

  it('reads a password, and says what is missing', () => {
    const config = ingressV2ConfigFromEnv({
      ...base,
      OS_USERNAME: 'demo',
      OS_PASSWORD: 'pw',
      OS_PROJECT_NAME: 'demo',
      KAAS_INGRESS_FLOATING_NETWORK_ID: 'public',
    });
    expect(config.cloud.credentials).toMatchObject({
      type: 'password',
      username: 'demo',
      projectName: 'demo',
    });
    expect(config.floatingNetworkId).toBe('public');
    expect(() => ingressV2ConfigFromEnv(base)).toThrow(/OS_APPLICATION_CREDENTIAL_ID/);
    expect(() => ingressV2ConfigFromEnv({ ...base, KAAS_INGRESS_CLUSTER_ID: 'a b' })).toThrow(
      /KAAS_INGRESS_CLUSTER_ID/,
    );
  });
});
