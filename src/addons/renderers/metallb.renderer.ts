import type { MetallbConfig } from '../config-schemas.js';
import { manifestObjects, type Renderer } from '../render.js';

/** The pool and advertisement kaas manages; users may add their own beside them. */
export const METALLB_POOL = 'kaas-default';

/**
 * MetalLB's native manifest, then (once the controller runs, since its webhook validates them)
 * one address pool announced over L2.
 */
export const renderMetallb: Renderer = async (input) => {
  const { variant } = input.addon;
  const config = input.addon.config as MetallbConfig;
  const objects = variant.artefacts.flatMap((a) => manifestObjects(input, a.file));
  const namespace = variant.namespace;
  return {
    objects,
    afterReady: [
      {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: METALLB_POOL, namespace },
        spec: { addresses: config.addresses, avoidBuggyIPs: config.avoidBuggyIPs },
      } as never,
      {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'L2Advertisement',
        metadata: { name: METALLB_POOL, namespace },
        spec: { ipAddressPools: [METALLB_POOL] },
      } as never,
    ],
    gates: [],
  };
};
