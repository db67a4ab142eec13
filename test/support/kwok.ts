import {
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type CoreV1Api,
} from '@kubernetes/client-node';
import { applyManifests } from '../../src/kube/apply.js';
import { eventually } from './http.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesTools } from '../../src/providers/kwok/kubernetes-tools.js';
import { Kwokctl } from '../../src/providers/kwok/kwokctl.js';
import { TenantKubeClient } from '../../src/kube/tenant-client.js';

/** A real control plane from the built binaries (kwokctl's binary runtime), for one test file. */
export async function startKwokCluster(
  version = '1.37.2',
  options: { extraConfig?: string } = {},
): Promise<{
  client: TenantKubeClient;
  kubeconfig: string;
  workdir: string;
  stop: () => Promise<void>;
}> {
  const workdir = mkdtempSync(join(tmpdir(), 'kaas-kwok-'));
  const kwokctl = new Kwokctl(new KubernetesTools(), workdir);
  const name = `test-${Math.random().toString(36).slice(2, 8)}`;
  await kwokctl.create(name, version, 120_000, options.extraConfig);
  const kubeconfig = kwokctl.kubeconfig(name);
  const client = await TenantKubeClient.fromKubeconfig(kubeconfig);
  await client.waitForApi(60_000);
  return {
    client,
    kubeconfig,
    workdir,
    stop: async () => {
      await kwokctl.delete(name).catch(() => undefined);
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}

/**
 * kwok keeps only nodes annotated `kwok.x-k8s.io/node: fake` alive (instead of every node), so a
 * test stops a node's heartbeats by removing the annotation, as a dead kubelet would. kwokctl
 * passes --manage-all-nodes itself, so the override goes through its component patches.
 */
export { KWOK_ANNOTATED_NODES_ONLY } from '../../src/providers/kwok/node-template.js';

/**
 * Stops kwok's heartbeats for a node (it drops the annotation kwok selects by), then reports it
 * NotReady as the node lifecycle controller does once a kubelet falls silent. Answers the
 * moment it became NotReady, to the second as the API keeps it.
 */
export async function breakNode(core: CoreV1Api, name: string): Promise<number> {
  await core.patchNode(
    { name, body: { metadata: { annotations: { 'kwok.x-k8s.io/node': null } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await new Promise((r) => setTimeout(r, 500));
  const at = new Date();
  await core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'heartbeats stopped by the test',
              lastHeartbeatTime: at,
              lastTransitionTime: at,
            },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return Math.floor(at.getTime() / 1000) * 1000;
}

/** Hands the node back to kwok, which reports it Ready again. */
export async function healNode(core: CoreV1Api, name: string): Promise<void> {
  await core.patchNode(
    { name, body: { metadata: { annotations: { 'kwok.x-k8s.io/node': 'fake' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * A pod pinned to the node and a PodDisruptionBudget that allows it no disruption: a drain of
 * that node is blocked until the budget goes. Waits until the budget says so.
 */
export async function guardPodOn(
  tenant: TenantKubeClient,
  nodeName: string,
  pod = 'guarded',
): Promise<void> {
  await applyManifests(
    tenant,
    `
apiVersion: v1
kind: Namespace
metadata: { name: pdb-test }
---
apiVersion: v1
kind: Pod
metadata: { name: ${pod}, namespace: pdb-test, labels: { app: ${pod} } }
spec: { nodeName: ${nodeName}, containers: [{ name: c, image: busybox }] }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: ${pod === 'guarded' ? 'guard' : `guard-${pod}`}, namespace: pdb-test }
spec: { minAvailable: 1, selector: { matchLabels: { app: ${pod} } } }
`,
  );
  await eventually(
    () =>
      tenant.config.makeApiClient(PolicyV1Api).readNamespacedPodDisruptionBudget({
        name: pod === 'guarded' ? 'guard' : `guard-${pod}`,
        namespace: 'pdb-test',
      }),
    (pdb) => pdb.status?.currentHealthy === 1 && pdb.status?.disruptionsAllowed === 0,
    30_000,
  );
}
