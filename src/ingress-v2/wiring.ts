import { CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import { openstackClients, type OpenStackClients } from '../providers/openstack/clients.js';
import { AuthenticationError, KeystoneSession } from '../providers/openstack/keystone.js';
import type { IngressV2Config } from './ingress-v2-config.js';
import { IngressV2Controller, type IngressV2ControllerOptions } from './ingress-v2.controller.js';
import { IngressReconciler } from './ingress-reconciler.js';
import { IngressReporter } from './ingress-status.js';
import type { ChangeTiming } from './lb-changes.js';
import { LoadBalancerLifecycle } from './lb-lifecycle.js';
import { TlsCertificateStore } from './tls-certificates.js';

/** Whether the service catalog lists a key manager; asked once, a missing one is remembered. */
export function keyManagerProbe(clients: OpenStackClients): () => Promise<boolean> {
  let known: boolean | undefined;
  return async () => {
    if (known !== undefined) return known;
    try {
      await clients.session.endpoint('key-manager');
      known = true;
    } catch (error) {
      if (!(error instanceof AuthenticationError) || !/catalog has no/.test(error.message))
        throw error;
      known = false;
    }
    return known;
  };
}

/** The controller with its OpenStack clients and Kubernetes APIs put together. */
export function createIngressV2Controller(
  kube: KubeConfig,
  config: IngressV2Config,
  extra: Partial<Pick<IngressV2ControllerOptions, 'log' | 'onReconciled'>> & {
    clients?: OpenStackClients;
    timing?: ChangeTiming;
  } = {},
): IngressV2Controller {
  const clients = extra.clients ?? openstackClients(new KeystoneSession(config.cloud));
  const lifecycle = new LoadBalancerLifecycle(clients.octavia, clients.neutron, {
    clusterId: config.clusterId,
    vipSubnetId: config.vipSubnetId,
    ...(config.floatingNetworkId ? { floatingNetworkId: config.floatingNetworkId } : {}),
    ...(extra.timing ? { timing: extra.timing } : {}),
  });
  const core = kube.makeApiClient(CoreV1Api);
  const reconciler = new IngressReconciler({
    octavia: clients.octavia,
    lifecycle,
    reporter: new IngressReporter(core, kube.makeApiClient(NetworkingV1Api)),
    core,
    tls: new TlsCertificateStore(clients.barbican, config.clusterId),
    keyManagerAvailable: keyManagerProbe(clients),
    ...(config.memberSubnetId ? { memberSubnetId: config.memberSubnetId } : {}),
    ...(extra.timing ? { timing: extra.timing } : {}),
  });
  return new IngressV2Controller(kube, {
    reconciler,
    lifecycle,
    resyncMs: config.resyncMs,
    gatePollMs: config.gatePollMs,
    ...(extra.log ? { log: extra.log } : {}),
    ...(extra.onReconciled ? { onReconciled: extra.onReconciled } : {}),
  });
}
