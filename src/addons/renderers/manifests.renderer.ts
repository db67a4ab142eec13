import { manifestObjects, type Renderer } from '../render.js';

/**
 * Plain manifests applied as they are, in the catalogue's order (the shared finishing puts
 * namespaces and CRDs first and gates every workload): for components this repository ships.
 */
export const renderManifests: Renderer = async (input) => ({
  objects: input.addon.variant.artefacts
    .filter((a) => a.type === 'manifest')
    .flatMap((a) => manifestObjects(input, a.file)),
  afterReady: [],
  gates: [],
});
