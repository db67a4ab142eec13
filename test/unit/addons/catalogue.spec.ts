import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CATALOGUE, findAddon } from '../../../src/addons/catalogue.js';
import { catalogueEntrySchema, catalogueSchema } from '../../../src/addons/catalogue-schema.js';
import { resolveAddons, deepMerge } from '../../../src/addons/resolve.js';
import { validateClusterSpec } from '../../../src/domain/cluster-validation.js';
import { clusterSpecSchema, type ClusterSpecInput } from '../../../src/domain/cluster.js';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../../src/domain/versions.js';

const MIRROR = resolve(process.cwd(), '../shared/addon-mirror');

const spec = (input: Partial<ClusterSpecInput>) =>
  clusterSpecSchema.parse({ provider: 'kwok', ...input });

const validate = (input: Partial<ClusterSpecInput>) =>
  validateClusterSpec(spec(input), {
    enabledProviders: ['fake', 'kwok', 'kind', 'openstack'],
    supportedVersions: SUPPORTED_KUBERNETES_VERSIONS,
    maxPoolReplicas: 100,
  });

const gpuPool = { name: 'gpu', replicas: 1, gpu: { count: 1 } };

const allArtefacts = () =>
  CATALOGUE.flatMap((e) =>
    e.versions.flatMap((v) =>
      v.variants.flatMap((variant) => variant.artefacts.map((artefact) => ({ variant, artefact }))),
    ),
  );

describe('add-on catalogue', () => {
  it('pins every artefact to the digest the mirror publishes', () => {
    const sums = new Map(
      readFileSync(`${MIRROR}/SHA256SUMS`, 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [digest, path] = line.split(/\s+/);
          return [path!.replace(/^\.\//, ''), digest!] as const;
        }),
    );
    const pinned = allArtefacts()
      .filter(({ artefact }) => !artefact.bundled)
      .map(({ variant, artefact }) => [
        `${variant.component}/${variant.componentVersion}/${artefact.file}`,
        artefact.sha256,
      ]);
    expect(pinned.length).toBeGreaterThan(0);
    for (const [path, digest] of pinned) expect(sums.get(path!)).toBe(digest);
  });

  it('pins every artefact this repository ships to the digest of its file here', () => {
    const bundled = allArtefacts().filter(({ artefact }) => artefact.bundled);
    expect(bundled.map(({ artefact }) => artefact.bundled)).toEqual([
      'deploy/ingress-v2/controller.yaml',
      'deploy/mltask/crd.yaml',
      'deploy/mltask/controller.yaml',
    ]);
    for (const { artefact } of bundled) {
      const digest = createHash('sha256')
        .update(readFileSync(resolve(process.cwd(), artefact.bundled!)))
        .digest('hex');
      expect(`${artefact.bundled} ${digest}`).toBe(`${artefact.bundled} ${artefact.sha256}`);
    }
  });

  it('installs Ingress v2 on every OpenStack cluster by default, and nowhere else', () => {
    expect(findAddon('ingress-v2')).toMatchObject({
      availability: 'available',
      defaultEnabled: 'always',
    });
    const onOpenStack = resolveAddons(
      spec({
        provider: 'openstack',
        openstack: { cloud: 'c', image: 'ubuntu' },
      } as Partial<ClusterSpecInput>),
    );
    expect(onOpenStack.addons.map((a) => [a.name, a.variant.component, a.config])).toEqual([
      ['load-balancer', 'openstack-cloud-controller-manager', expect.any(Object)],
      ['ingress-v2', 'ingress-v2', { floatingIps: true }],
    ]);
    expect(resolveAddons(spec({})).addons.map((a) => a.name)).toEqual(['load-balancer']);
  });

  it('installs MLTask with the GPU operator: on clusters with a GPU pool, by default', () => {
    expect(findAddon('mltask')).toMatchObject({
      availability: 'available',
      defaultEnabled: 'gpu-pools',
    });
    expect(
      resolveAddons(validate({ nodePools: [gpuPool] }).spec).addons.map((a) => a.name),
    ).toEqual(['load-balancer', 'gpu-operator', 'mltask']);
    expect(resolveAddons(validate({}).spec).addons.map((a) => a.name)).toEqual(['load-balancer']);
  });

  it('offers every available add-on for both supported Kubernetes minors', () => {
    for (const entry of CATALOGUE.filter((e) => e.availability === 'available')) {
      for (const version of entry.versions)
        expect(version.kubernetesVersions).toEqual(['1.36', '1.37']);
    }
  });

  it('refuses entries that contradict themselves', () => {
    const base = CATALOGUE.find((e) => e.name === 'load-balancer')!;
    const bad = [
      { ...base, defaultVersion: '9.9.9' },
      { ...base, versions: [base.versions[0]!, base.versions[0]!] },
      { ...findAddon('mltask')!, versions: base.versions },
      {
        ...base,
        versions: [
          {
            ...base.versions[0]!,
            variants: [...base.versions[0]!.variants, base.versions[0]!.variants[0]!],
          },
        ],
      },
    ];
    for (const entry of bad) expect(catalogueEntrySchema.safeParse(entry).success).toBe(false);
    expect(catalogueSchema.safeParse([base, base]).success).toBe(false);
    const badDigest = structuredClone(base);
    badDigest.versions[0]!.variants[0]!.artefacts[0]!.sha256 = 'ABC';
    expect(catalogueEntrySchema.safeParse(badDigest).success).toBe(false);
  });
});

describe('add-ons in a cluster spec', () => {
  it('turns the load balancer on by default where the provider has a variant, pinning its version', () => {
    const { spec: out, problems } = validate({});
    expect(problems).toEqual([]);
    expect(out.addons).toEqual({ 'load-balancer': { version: '1.1.0' } });
    expect(validate({ provider: 'fake' }).spec.addons).toEqual({});
  });

  it('turns the GPU operator on for a GPU pool, and taints and labels that pool', () => {
    const { spec: out, problems } = validate({ nodePools: [gpuPool] });
    expect(problems).toEqual([]);
    expect(Object.keys(out.addons).sort()).toEqual(['gpu-operator', 'load-balancer', 'mltask']);
    expect(out.nodePools[0]!.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
    ]);
    expect(out.nodePools[0]!.labels['nvidia.com/gpu.present']).toBe('true');
  });

  it('leaves an add-on out when the spec turns it off', () => {
    const { spec: out } = validate({
      nodePools: [gpuPool],
      addons: { 'gpu-operator': { enabled: false }, 'load-balancer': { enabled: false } },
    });
    // A GPU stack brought by the user still gets MLTask unless that is turned off too.
    expect(resolveAddons(out).addons.map((a) => a.name)).toEqual(['mltask']);
    const { spec: none } = validate({
      nodePools: [gpuPool],
      addons: {
        'gpu-operator': { enabled: false },
        'load-balancer': { enabled: false },
        mltask: { enabled: false },
      },
    });
    expect(resolveAddons(none).addons).toEqual([]);
  });

  it('answers problems for planned, unknown, unsupported and misconfigured add-ons', () => {
    const fields = (input: Partial<ClusterSpecInput>) =>
      validate(input).problems.map((p) => [p.field, p.message]);
    expect(fields({ addons: { 'ingress-v2': { enabled: true } } })).toEqual([
      ['spec.addons.ingress-v2', expect.stringContaining('no variant for the kwok provider')],
    ]);
    // An entry listed before it ships cannot be turned on.
    const planned = catalogueEntrySchema.parse({
      name: 'soon',
      title: 'Soon',
      description: 'not yet',
      category: 'ml',
      availability: 'planned',
      plannedNote: 'its controller is not released',
      defaultEnabled: 'never',
      versions: [],
    });
    expect(
      resolveAddons(spec({ addons: { soon: { enabled: true } } }), [planned]).problems,
    ).toEqual([
      {
        field: 'spec.addons.soon.enabled',
        message: 'soon cannot be enabled yet: its controller is not released',
      },
    ]);
    expect(fields({ addons: { nope: {} } })).toEqual([
      ['spec.addons.nope', expect.stringContaining('no add-on "nope"')],
    ]);
    expect(fields({ addons: { 'load-balancer': { version: '0.1.0' } } })).toEqual([
      ['spec.addons.load-balancer.version', expect.stringContaining('versions: 1.0.0, 1.1.0')],
    ]);
    expect(fields({ provider: 'fake', addons: { 'load-balancer': { enabled: true } } })).toEqual([
      ['spec.addons.load-balancer', expect.stringContaining('no variant for the fake provider')],
    ]);
    expect(
      fields({ addons: { 'load-balancer': { config: { addresses: ['not-an-ip'] } } } }),
    ).toEqual([['spec.addons.load-balancer.config.addresses.0', expect.any(String)]]);
  });

  it('merges configuration over the defaults and fingerprints what would be installed', () => {
    const base = resolveAddons(validate({}).spec).addons[0]!;
    const custom = resolveAddons(
      validate({ addons: { 'load-balancer': { config: { addresses: ['10.9.0.0/28'] } } } }).spec,
    ).addons[0]!;
    expect(custom.config).toEqual({ addresses: ['10.9.0.0/28'], avoidBuggyIPs: true });
    expect(custom.fingerprint).not.toBe(base.fingerprint);
    const older = resolveAddons(
      validate({ addons: { 'load-balancer': { version: '1.0.0' } } }).spec,
    ).addons[0]!;
    expect(older.config).toEqual({ addresses: ['10.250.0.0/24'], avoidBuggyIPs: false });
    expect(older.fingerprint).not.toBe(base.fingerprint);
  });

  it('deep-merges objects and replaces arrays', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] }, d: 4 })).toEqual({
      a: { b: 1, c: [3] },
      d: 4,
    });
  });
});

describe('specs stored before add-ons existed', () => {
  it('resolve to the catalogue defaults instead of failing', () => {
    const { addons: _none, ...legacy } = spec({});
    const resolved = resolveAddons(legacy as never);
    expect(resolved.problems).toEqual([]);
    expect(resolved.addons.map((a) => `${a.name} ${a.version}`)).toEqual(['load-balancer 1.1.0']);
  });
});
