import { createHash } from 'node:crypto';
import type { AddonSpec, ClusterSpec } from '../domain/cluster.js';
import type { FieldProblem } from '../domain/errors.js';
import type { AddonVariant, CatalogueEntry } from './catalogue-schema.js';
import { CATALOGUE } from './catalogue.js';
import { CONFIG_SCHEMAS } from './config-schemas.js';

/** An add-on the cluster should have, exactly as it will be installed. */
export interface ResolvedAddon {
  name: string;
  version: string;
  variant: AddonVariant;
  config: Record<string, unknown>;
  /** Changes whenever what would be installed changes: version, variant or configuration. */
  fingerprint: string;
}

export interface AddonResolution {
  addons: ResolvedAddon[];
  /** `spec.addons` with the version of every enabled add-on pinned. */
  pinned: Record<string, AddonSpec>;
  problems: FieldProblem[];
}

/**
 * Decides which add-ons a spec asks for (explicitly, or by the catalogue's defaults), checks
 * each against the catalogue, and merges its configuration over the version's defaults.
 */
export function resolveAddons(
  spec: ClusterSpec,
  catalogue: readonly CatalogueEntry[] = CATALOGUE,
): AddonResolution {
  const problems: FieldProblem[] = [];
  const addons: ResolvedAddon[] = [];
  const pinned: Record<string, AddonSpec> = {};
  // Specs stored before add-ons existed have no `addons`: every add-on takes its default.
  const wishes: ClusterSpec['addons'] = spec.addons ?? {};
  for (const name of Object.keys(wishes)) {
    if (!catalogue.some((e) => e.name === name)) {
      problems.push({
        field: `spec.addons.${name}`,
        message: `no add-on "${name}" in the catalogue; known: ${catalogue.map((e) => e.name).join(', ')}`,
      });
    }
  }
  for (const entry of catalogue) {
    const wish = wishes[entry.name];
    const result = resolveOne(entry, wish, spec);
    problems.push(...result.problems);
    if (result.addon) {
      addons.push(result.addon);
      pinned[entry.name] = { ...wish, version: result.addon.version };
    } else if (wish) {
      pinned[entry.name] = wish;
    }
  }
  return { addons, pinned, problems };
}

function resolveOne(
  entry: CatalogueEntry,
  wish: AddonSpec | undefined,
  spec: ClusterSpec,
): { addon?: ResolvedAddon; problems: FieldProblem[] } {
  const field = `spec.addons.${entry.name}`;
  const problem = (at: string, message: string) => ({ problems: [{ field: at, message }] });
  if (entry.availability === 'planned') {
    return wish?.enabled
      ? problem(`${field}.enabled`, `${entry.name} cannot be enabled yet: ${entry.plannedNote}`)
      : { problems: [] };
  }
  const { versionName, version, variant, on } = choose(entry, wish, spec);
  if (!on) return { problems: [] };
  if (!version) {
    const known = entry.versions.map((v) => v.version).join(', ');
    return problem(
      `${field}.version`,
      `${entry.name} has no version ${versionName}; versions: ${known}`,
    );
  }
  if (!variant) {
    return problem(
      field,
      `${entry.name} ${version.version} has no variant for the ${spec.provider} provider`,
    );
  }
  const minor = spec.kubernetesVersion.replace(/^v/, '').split('.').slice(0, 2).join('.');
  if (!version.kubernetesVersions.includes(minor)) {
    return problem(
      `${field}.version`,
      `${entry.name} ${version.version} supports Kubernetes ${version.kubernetesVersions.join(', ')}, not ${minor}`,
    );
  }
  return configure(entry.name, version.version, variant, wish?.config ?? {});
}

/** The version and variant a wish names, and whether the add-on is on at all. */
function choose(entry: CatalogueEntry, wish: AddonSpec | undefined, spec: ClusterSpec) {
  const versionName = (wish?.version ?? entry.defaultVersion!).replace(/^v/, '');
  const version = entry.versions.find((v) => v.version === versionName);
  const variant = version?.variants.find((v) => v.providers.includes(spec.provider));
  // A version asked for by name must exist, even where the add-on would be off by default.
  const on =
    wish?.enabled ??
    (enabledByDefault(entry, spec, variant !== undefined) || (!version && !!wish?.version));
  return { versionName, version, variant, on };
}

/** Merges the wished configuration over the variant's defaults and checks it. */
function configure(
  name: string,
  version: string,
  variant: AddonVariant,
  overrides: Record<string, unknown>,
): { addon?: ResolvedAddon; problems: FieldProblem[] } {
  const parsed = CONFIG_SCHEMAS[variant.renderer].safeParse(
    deepMerge(variant.defaultConfig, overrides),
  );
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        field: [`spec.addons.${name}.config`, ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    };
  }
  const config = parsed.data as Record<string, unknown>;
  return {
    addon: {
      name,
      version,
      variant,
      config,
      fingerprint: fingerprint({ version, variant, config }),
    },
    problems: [],
  };
}

function enabledByDefault(entry: CatalogueEntry, spec: ClusterSpec, hasVariant: boolean): boolean {
  switch (entry.defaultEnabled) {
    case 'always':
      return hasVariant;
    case 'gpu-pools':
      return hasVariant && spec.nodePools.some((p) => p.gpu !== undefined);
    case 'never':
      return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; anything else (arrays included) is replaced. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** JSON with sorted keys, so equal values always hash the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}
