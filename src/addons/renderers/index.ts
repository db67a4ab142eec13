import type { RendererName } from '../catalogue-schema.js';
import { finishRender, type RenderInput, type RenderedAddon, type Renderer } from '../render.js';
import { renderGpuOperator } from './gpu-operator.renderer.js';
import { renderIngressV2 } from './ingress-v2.renderer.js';
import { renderManifests } from './manifests.renderer.js';
import { renderMetallb } from './metallb.renderer.js';
import { renderOpenStackCcm } from './openstack-ccm.renderer.js';

const RENDERERS: Record<RendererName, Renderer> = {
  metallb: renderMetallb,
  'openstack-cloud-controller-manager': renderOpenStackCcm,
  'gpu-operator': renderGpuOperator,
  manifests: renderManifests,
  'ingress-v2': renderIngressV2,
};

/** Turns a resolved add-on and its verified artefacts into the objects to apply and wait for. */
export async function renderAddon(input: RenderInput): Promise<RenderedAddon> {
  return finishRender(input, await RENDERERS[input.addon.variant.renderer](input));
}
