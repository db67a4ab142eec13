import { TerminalError } from '../../domain/errors.js';
import { parseManifests } from '../../kube/apply.js';
import { MissingToolError } from '../../providers/kwok/kubernetes-tools.js';
import { helmTemplate } from '../helm.js';
import type { HealthGate, Renderer } from '../render.js';

/**
 * The operator's chart through `helm template`, values from the add-on's configuration. Its
 * ClusterPolicy is the health gate: the operator sets `status.state: ready` once every GPU node
 * is served (or, with none, with reason NoGPUNodes).
 */
export const renderGpuOperator: Renderer = async (input) => {
  const { variant, name } = input.addon;
  const chart = variant.artefacts.find((a) => a.type === 'helm-chart');
  const bytes = chart && input.artefacts.get(chart.file);
  if (!bytes) throw new Error(`add-on ${name}: no chart among its artefacts`);
  const yaml = await helmTemplate(helmOrFail(input.helmBinary, name), {
    release: name,
    namespace: variant.namespace,
    chart: bytes,
    values: input.addon.config,
    kubeVersion: input.kubernetesVersion,
  });
  const objects = parseManifests(yaml);
  const gates: HealthGate[] = objects
    .filter((o) => o.kind === 'ClusterPolicy')
    .map((o) => ({ kind: 'ClusterPolicy', name: o.metadata!.name! }));
  return { objects, afterReady: [], gates };
};

function helmOrFail(helmBinary: () => string, addon: string): string {
  try {
    return helmBinary();
  } catch (error) {
    if (error instanceof MissingToolError)
      throw new TerminalError('BinariesMissing', `add-on ${addon}: ${error.message}`);
    throw error;
  }
}
