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
  const client = TenantKubeClient.fromKubeconfig(kubeconfig);
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
export const KWOK_ANNOTATED_NODES_ONLY = [
  'kind: KwokctlConfiguration',
  'apiVersion: config.kwok.x-k8s.io/v1alpha1',
  'componentsPatches:',
  '- name: kwok-controller',
  '  extraArgs:',
  '  - key: manage-all-nodes',
  '    value: "false"',
  '  - key: manage-nodes-with-annotation-selector',
  '    value: kwok.x-k8s.io/node=fake',
].join('\n');
