import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { AddonInstaller } from '../../src/addons/addon-installer.js';
import { ArtefactSource } from '../../src/addons/artefacts.js';
import { ObjectApplier } from '../../src/addons/object-applier.js';
import { renderAddon } from '../../src/addons/renderers/index.js';
import { resolveAddons } from '../../src/addons/resolve.js';
import { clusterSpecSchema } from '../../src/domain/cluster.js';
import { isNotFound } from '../../src/kube/kube-errors.js';
import type { ObjectRef } from '../../src/kube/object-ref.js';
import { nodeFor } from '../../src/providers/kwok/node-template.js';
import { KubernetesTools } from '../../src/providers/kwok/kubernetes-tools.js';
import { eventually } from '../support/http.js';
import { startKwokCluster } from '../support/kwok.js';

/**
 * The Ingress v2 add-on as kaas installs it on an OpenStack cluster (its variant exists only
 * there), applied to a real API server: the cloud Secret from the provider's inputs, the
 * IngressClass, and the controller Deployment available (kwok runs its pod) before the add-on
 * counts as installed; removal takes all of it away.
 */
describe('the Ingress v2 add-on on a real API server', () => {
  let cluster: Awaited<ReturnType<typeof startKwokCluster>>;
  let inventory: ObjectRef[];
  const installer = new AddonInstaller(new ObjectApplier(), { timeoutMs: 120_000 });
  const spec = clusterSpecSchema.parse({
    provider: 'openstack',
    openstack: { cloud: 'prod', image: 'ubuntu-24.04-kube' },
  });
  const addon = resolveAddons(spec).addons.find((a) => a.name === 'ingress-v2')!;
  const inputs = {
    authUrl: 'https://keystone.example:5000/v3',
    region: 'RegionOne',
    applicationCredentialId: 'app-cred-id',
    applicationCredentialSecret: 'app-cred-secret',
    clusterId: '01a22645-1552-7ef8-874b-6fac71432bf9',
    vipSubnetId: 'subnet-id',
    floatingNetworkId: 'public-id',
  };

  beforeAll(async () => {
    cluster = await startKwokCluster();
    await cluster.client.core.createNode({
      body: nodeFor('test', 'kwok://test/w-1', {
        name: 'w-1',
        role: 'worker',
        version: '1.37.2',
        flavor: 'standard',
      }),
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('installs the controller, its IngressClass and cloud Secret, and waits until it runs', async () => {
    const rendered = await renderAddon({
      addon,
      artefacts: await new ArtefactSource().fetchAll(addon.name, addon.variant),
      kubernetesVersion: '1.37.2',
      providerInputs: inputs,
      helmBinary: () => new KubernetesTools().helm(),
    });
    inventory = await installer.install(cluster.client, 'ingress-v2', rendered, [], async () => {});
    const deployment = await cluster.client.apps.readNamespacedDeployment({
      name: 'ingress-v2-controller',
      namespace: 'kaas-ingress-v2',
    });
    expect(deployment.status!.availableReplicas).toBe(1);
    expect(deployment.metadata!.labels!['kaas.dev/addon']).toBe('ingress-v2');
    const secret = await cluster.client.core.readNamespacedSecret({
      name: 'ingress-v2-cloud',
      namespace: 'kaas-ingress-v2',
    });
    const data = Object.fromEntries(
      Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(data).toMatchObject({
      KAAS_INGRESS_CLUSTER_ID: inputs.clusterId,
      KAAS_INGRESS_VIP_SUBNET_ID: 'subnet-id',
      KAAS_INGRESS_FLOATING_NETWORK_ID: 'public-id',
      OS_APPLICATION_CREDENTIAL_ID: 'app-cred-id',
    });
    const networking = cluster.client.config.makeApiClient(NetworkingV1Api);
    const ingressClass = await networking.readIngressClass({ name: 'kaas-v2' });
    expect(ingressClass.spec!.controller).toBe('kaas.dev/ingress-v2');
  });

  it('removes everything it installed', async () => {
    await installer.remove(cluster.client, 'ingress-v2', inventory);
    const networking = cluster.client.config.makeApiClient(NetworkingV1Api);
    const gone = (read: () => Promise<unknown>) =>
      read().then(
        () => false,
        (e: unknown) => isNotFound(e),
      );
    expect(await gone(() => networking.readIngressClass({ name: 'kaas-v2' }))).toBe(true);
    await eventually(
      () =>
        gone(() =>
          cluster.client.apps.readNamespacedDeployment({
            name: 'ingress-v2-controller',
            namespace: 'kaas-ingress-v2',
          }),
        ),
      (g) => g,
      60_000,
    );
  });
});
