import {
  renderControlPlaneInitUserData,
  renderControlPlaneJoinUserData,
  renderWorkerJoinUserData,
} from '../../bootstrap/cloud-init.js';
import {
  renderInitConfig,
  renderJoinConfig,
  type NodeTaint,
} from '../../bootstrap/kubeadm-config.js';
import type { ClusterPki } from '../../bootstrap/pki.js';
import { discoveryHash, type BootstrapToken } from '../../bootstrap/tokens.js';
import type { ClusterRef, MachineRequest } from '../infrastructure-provider.js';

/** The init token must outlive the slowest control plane and the first pools' boots. */
const BOOTSTRAP_TOKEN_TTL_SECONDS = 24 * 3600;

export interface MachineBootstrap {
  pki: ClusterPki;
  token: BootstrapToken;
  /** `host:port` of the API load balancer. */
  endpoint: string;
  /** Further addresses of the API (VIP and floating IP) for the API server's certificate. */
  certSANs?: string[];
  /** True for the one control-plane machine that runs `kubeadm init`. */
  init: boolean;
}

/**
 * cloud-init for a machine: `kubeadm init` on the first control-plane machine, a control-plane
 * join on the others, a worker join with the pool's labels and taints on workers. Every node
 * runs the kubelet with `cloud-provider=external` for the OpenStack cloud controller manager.
 */
export function renderMachineUserData(
  cluster: ClusterRef,
  machine: MachineRequest,
  bootstrap: MachineBootstrap,
): string {
  const { spec } = cluster;
  const common = {
    kubernetesVersion: machine.version,
    cloudProvider: 'external' as const,
    node: {
      name: machine.name,
      ...(machine.pool
        ? {
            labels: machine.pool.labels,
            taints: machine.pool.taints.map((t): NodeTaint => ({
              key: t.key,
              effect: t.effect,
              ...(t.value === undefined ? {} : { value: t.value }),
            })),
          }
        : {}),
    },
  };
  if (machine.role === 'control-plane' && bootstrap.init) {
    const config = renderInitConfig({
      ...common,
      clusterName: cluster.name,
      controlPlaneEndpoint: bootstrap.endpoint,
      podCidr: spec.network.podCidr,
      serviceCidr: spec.network.serviceCidr,
      bootstrapToken: { token: bootstrap.token.token, ttlSeconds: BOOTSTRAP_TOKEN_TTL_SECONDS },
      ...(bootstrap.certSANs?.length ? { certSANs: bootstrap.certSANs } : {}),
    });
    return renderControlPlaneInitUserData(bootstrap.pki, config);
  }
  const join = {
    ...common,
    controlPlaneEndpoint: bootstrap.endpoint,
    token: bootstrap.token.token,
    caCertHashes: [discoveryHash(bootstrap.pki.ca.certPem)],
  };
  if (machine.role === 'control-plane') {
    return renderControlPlaneJoinUserData(
      bootstrap.pki,
      renderJoinConfig({ ...join, controlPlane: {} }),
    );
  }
  return renderWorkerJoinUserData(renderJoinConfig(join));
}
