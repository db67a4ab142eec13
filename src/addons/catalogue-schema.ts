import { z } from 'zod';
import { PROVIDER_NAMES } from '../domain/cluster.js';
import { DNS_LABEL } from '../domain/names.js';

/** How a variant turns its artefacts and configuration into Kubernetes objects (src/addons/renderers). */
export const RENDERERS = [
  'metallb',
  'openstack-cloud-controller-manager',
  'gpu-operator',
  'manifests',
  'ingress-v2',
] as const;
export type RendererName = (typeof RENDERERS)[number];

export const artefactSchema = z.strictObject({
  /** File name inside the mirror's `<component>/<componentVersion>/` folder. */
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name'),
  /**
   * Where the project publishes exactly these bytes; fetched from here when no mirror is
   * configured. Absent when no public URL serves them (the artefact must then be mirrored).
   */
  url: z.url().startsWith('https://').optional(),
  /**
   * A file of this repository (`deploy/...`) for components kaas builds itself: read from the
   * installed package, never from a mirror or the network, and still checked against sha256.
   */
  bundled: z
    .string()
    .regex(/^deploy\/[a-z0-9-]+\/[A-Za-z0-9._-]+$/, 'deploy/<folder>/<file>')
    .optional(),
  sha256: z.string().regex(/^[a-f0-9]{64}$/, '64 lowercase hex digits'),
  type: z.enum(['manifest', 'helm-chart', 'example']),
});
export type Artefact = z.output<typeof artefactSchema>;

export const variantSchema = z.strictObject({
  providers: z.array(z.enum(PROVIDER_NAMES)).min(1),
  /** The upstream project installed, and its version: the mirror folder is `<component>/<componentVersion>`. */
  component: z.string().regex(DNS_LABEL),
  componentVersion: z.string().regex(/^v?[0-9]+\.[0-9]+\.[0-9]+$/),
  namespace: z.string().regex(DNS_LABEL),
  renderer: z.enum(RENDERERS),
  artefacts: z.array(artefactSchema).min(1),
  defaultConfig: z.record(z.string(), z.unknown()),
  /**
   * Admission webhooks whose service no container will ever answer (kwok runs no containers):
   * dropped from the rendered objects, or every object they guard would be refused.
   */
  dropAdmissionWebhooks: z.boolean().default(false),
  notes: z.string().optional(),
});
export type AddonVariant = z.output<typeof variantSchema>;

export const addonVersionSchema = z.strictObject({
  version: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/),
  /** Kubernetes minors (`1.37`) this version is known to work with. */
  kubernetesVersions: z.array(z.string().regex(/^[0-9]+\.[0-9]+$/)).min(1),
  variants: z.array(variantSchema).min(1),
  notes: z.string().optional(),
});
export type AddonVersion = z.output<typeof addonVersionSchema>;

export const catalogueEntrySchema = z
  .strictObject({
    name: z.string().regex(DNS_LABEL).max(63),
    title: z.string().min(1),
    description: z.string().min(1),
    category: z.enum(['load-balancer', 'gpu', 'ingress', 'ml']),
    /** `planned`: listed so clients can see it coming, but it cannot be enabled yet. */
    availability: z.enum(['available', 'planned']),
    /** Why a planned add-on is not available yet (the work it waits for). */
    plannedNote: z.string().optional(),
    /** When an add-on absent from a spec is installed anyway. */
    defaultEnabled: z.enum(['always', 'gpu-pools', 'never']),
    defaultVersion: z.string().optional(),
    versions: z.array(addonVersionSchema),
  })
  .superRefine((entry, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (entry.availability === 'planned') {
      if (entry.versions.length > 0) issue(`${entry.name}: a planned add-on has no versions`);
      if (!entry.plannedNote) issue(`${entry.name}: a planned add-on says what it waits for`);
      if (entry.defaultEnabled !== 'never') issue(`${entry.name}: a planned add-on is never on`);
      return;
    }
    if (!entry.versions.some((v) => v.version === entry.defaultVersion))
      issue(`${entry.name}: defaultVersion ${entry.defaultVersion} is not one of its versions`);
    const versions = entry.versions.map((v) => v.version);
    if (new Set(versions).size !== versions.length)
      issue(`${entry.name}: a version is listed twice`);
    for (const version of entry.versions) {
      const providers = version.variants.flatMap((v) => v.providers);
      if (new Set(providers).size !== providers.length)
        issue(`${entry.name} ${version.version}: a provider has two variants`);
    }
  });
export type CatalogueEntry = z.output<typeof catalogueEntrySchema>;

export const catalogueSchema = z.array(catalogueEntrySchema).superRefine((entries, ctx) => {
  const names = entries.map((e) => e.name);
  if (new Set(names).size !== names.length)
    ctx.addIssue({ code: 'custom', message: 'an add-on name is listed twice' });
});
