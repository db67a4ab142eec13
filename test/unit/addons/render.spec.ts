import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ArtefactSource } from '../../../src/addons/artefacts.js';
import { helmTemplate } from '../../../src/addons/helm.js';
import { renderAddon } from '../../../src/addons/renderers/index.js';
import { resolveAddons, type ResolvedAddon } from '../../../src/addons/resolve.js';
import { renderCloudConf } from '../../../src/addons/renderers/openstack-ccm.renderer.js';
import { clusterSpecSchema, type ClusterSpecInput } from '../../../src/domain/cluster.js';
import { TerminalError, TransientError } from '../../../src/domain/errors.js';
import { KubernetesTools } from '../../../src/providers/kwok/kubernetes-tools.js';

const MIRROR = resolve(process.cwd(), '../shared/addon-mirror');
const source = new ArtefactSource({ mirror: MIRROR });

function addon(name: string, input: Partial<ClusterSpecInput>): ResolvedAddon {
  const spec = clusterSpecSchema.parse({ provider: 'kwok', ...input });
  return resolveAddons(spec).addons.find((a) => a.name === name)!;
}

async function render(a: ResolvedAddon, providerInputs?: Record<string, string>) {
  return renderAddon({
    addon: a,
    artefacts: await source.fetchAll(a.name, a.variant),
    kubernetesVersion: '1.37.2',
    ...(providerInputs ? { providerInputs } : {}),
    helmBinary: () => new KubernetesTools().helm(),
  });
}

const credential = {
  authUrl: 'https://keystone.example:5000/v3',
  region: 'RegionOne',
  applicationCredentialId: 'a1b2',
  applicationCredentialSecret: 'se"cr\\et',
};

describe('add-on rendering', () => {
  it('renders MetalLB for kwok without its webhooks, the pool applied once it runs', async () => {
    const rendered = await render(addon('load-balancer', {}));
    const kinds = rendered.objects.map((o) => o.kind);
    expect(kinds).not.toContain('ValidatingWebhookConfiguration');
    expect(kinds.filter((k) => k === 'CustomResourceDefinition')).toHaveLength(9);
    expect(rendered.afterReady).toEqual([
      expect.objectContaining({
        kind: 'IPAddressPool',
        metadata: { name: 'kaas-default', namespace: 'metallb-system' },
        spec: { addresses: ['10.250.0.0/24'], avoidBuggyIPs: true },
      }),
      expect.objectContaining({ kind: 'L2Advertisement' }),
    ]);
    expect(rendered.gates).toEqual([
      { kind: 'Deployment', namespace: 'metallb-system', name: 'controller' },
      { kind: 'DaemonSet', namespace: 'metallb-system', name: 'speaker' },
    ]);
  });

  it('keeps MetalLB webhooks on kind, where its controller answers them', async () => {
    const rendered = await render(addon('load-balancer', { provider: 'kind' }));
    expect(rendered.objects.map((o) => o.kind)).toContain('ValidatingWebhookConfiguration');
  });

  it('renders the GPU operator chart with helm template: namespace, CRDs, ClusterPolicy gate', async () => {
    const rendered = await render(
      addon('gpu-operator', { nodePools: [{ name: 'gpu', replicas: 1, gpu: { count: 1 } }] }),
    );
    expect(rendered.objects[0]).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'gpu-operator' },
    });
    expect(rendered.objects.filter((o) => o.kind === 'CustomResourceDefinition').length).toBe(8);
    const policy = rendered.objects.find((o) => o.kind === 'ClusterPolicy') as any;
    expect(policy.metadata.namespace).toBeUndefined();
    expect(policy.spec.driver.enabled).toBe(false);
    expect(rendered.gates).toContainEqual({ kind: 'ClusterPolicy', name: 'cluster-policy' });
    expect(rendered.gates).toContainEqual({
      kind: 'Deployment',
      namespace: 'gpu-operator',
      name: 'gpu-operator',
    });
  });

  it('renders the OpenStack cloud-config Secret from the credential the provider supplies', async () => {
    const rendered = await render(addon('load-balancer', { provider: 'openstack' }), credential);
    const secret = rendered.objects[0] as any;
    expect(secret).toMatchObject({
      kind: 'Secret',
      metadata: { name: 'cloud-config', namespace: 'kube-system' },
    });
    expect(secret.stringData['cloud.conf']).toBe(
      [
        '[Global]',
        'auth-url="https://keystone.example:5000/v3"',
        'application-credential-id="a1b2"',
        'application-credential-secret="se\\"cr\\\\et"',
        'region="RegionOne"',
        '',
        '[LoadBalancer]',
        'lb-method=ROUND_ROBIN',
        'create-monitor=true',
        '',
      ].join('\n'),
    );
    expect(rendered.gates).toEqual([
      { kind: 'DaemonSet', namespace: 'kube-system', name: 'openstack-cloud-controller-manager' },
    ]);
  });

  it('renders Ingress v2 from the manifests kaas ships, its cloud Secret from the provider', async () => {
    const ingress = {
      ...credential,
      clusterId: '01a22645-1552-7ef8-874b-6fac71432bf9',
      vipSubnetId: 'subnet-1',
      floatingNetworkId: 'public-1',
    };
    const spec = { provider: 'openstack' } as Partial<ClusterSpecInput>;
    const rendered = await render(addon('ingress-v2', spec), ingress);
    const kinds = rendered.objects.map((o) => `${o.kind}/${o.metadata?.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/kaas-ingress-v2',
        'Secret/ingress-v2-cloud',
        'IngressClass/kaas-v2',
        'Deployment/ingress-v2-controller',
        'MutatingWebhookConfiguration/kaas-ingress-v2',
      ]),
    );
    const secret = rendered.objects.find((o) => o.kind === 'Secret') as any;
    expect(secret.metadata.namespace).toBe('kaas-ingress-v2');
    expect(secret.stringData).toEqual({
      OS_AUTH_URL: 'https://keystone.example:5000/v3',
      OS_REGION_NAME: 'RegionOne',
      OS_INTERFACE: 'public',
      OS_APPLICATION_CREDENTIAL_ID: 'a1b2',
      OS_APPLICATION_CREDENTIAL_SECRET: 'se"cr\\et',
      KAAS_INGRESS_CLUSTER_ID: '01a22645-1552-7ef8-874b-6fac71432bf9',
      KAAS_INGRESS_VIP_SUBNET_ID: 'subnet-1',
      KAAS_INGRESS_FLOATING_NETWORK_ID: 'public-1',
    });
    expect(rendered.gates).toEqual([
      { kind: 'Deployment', namespace: 'kaas-ingress-v2', name: 'ingress-v2-controller' },
    ]);

    const noFloating = addon('ingress-v2', {
      ...spec,
      addons: { 'ingress-v2': { config: { floatingIps: false } } },
    } as Partial<ClusterSpecInput>);
    const internal = (await render(noFloating, ingress)).objects.find(
      (o) => o.kind === 'Secret',
    ) as any;
    expect(internal.stringData.KAAS_INGRESS_FLOATING_NETWORK_ID).toBeUndefined();
    await expect(render(addon('ingress-v2', spec), credential)).rejects.toThrow(
      /supplied no clusterId, vipSubnetId, floatingNetworkId/,
    );
  });

  it('refuses to render OpenStack without a credential, or with a line break in one', async () => {
    await expect(render(addon('load-balancer', { provider: 'openstack' }))).rejects.toThrow(
      /supplied no authUrl, region, applicationCredentialId, applicationCredentialSecret/,
    );
    expect(() =>
      renderCloudConf(
        { ...credential, region: 'a\nb' },
        { loadBalancer: { lbMethod: 'ROUND_ROBIN', createMonitor: true } },
      ),
    ).toThrow(TerminalError);
  });

  it('refuses an artefact whose digest differs, naming the add-on and both digests', async () => {
    const mirror = mkdtempSync(join(tmpdir(), 'kaas-mirror-'));
    mkdirSync(join(mirror, 'metallb/v0.16.1'), { recursive: true });
    writeFileSync(join(mirror, 'metallb/v0.16.1/metallb-native.yaml'), 'tampered\n');
    const a = addon('load-balancer', {});
    const error = await new ArtefactSource({ mirror }).fetchAll(a.name, a.variant).catch((e) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.reason).toBe('ArtefactDigestMismatch');
    expect(error.message).toMatch(
      /^add-on load-balancer: metallb-native.yaml from .* has sha256 [0-9a-f]{64}, but the catalogue pins bf25feebb7582ca7df845efd52ffbc2960d6cbf4cfc972f47fded9f788b67f0b$/,
    );
    copyFileSync(
      join(MIRROR, 'metallb/v0.16.1/metallb-native.yaml'),
      join(mirror, 'metallb/v0.16.1/metallb-native.yaml'),
    );
    await expect(new ArtefactSource({ mirror }).fetchAll(a.name, a.variant)).resolves.toBeDefined();
    rmSync(mirror, { recursive: true, force: true });
  });

  it('says when an artefact without a public URL needs a mirror', async () => {
    const a = addon('gpu-operator', { nodePools: [{ name: 'g', replicas: 1, gpu: { count: 1 } }] });
    await expect(new ArtefactSource().fetchAll(a.name, a.variant)).rejects.toThrow(
      /has no public URL with the pinned digest; set KAAS_ADDON_MIRROR/,
    );
  });
});

describe('helm template', () => {
  it('fails with Helm stderr when the chart cannot be rendered', async () => {
    const error = await helmTemplate(new KubernetesTools().helm(), {
      release: 'x',
      namespace: 'x',
      chart: Buffer.from('not a chart'),
      values: {},
      kubeVersion: '1.37.2',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).message).toMatch(/^helm template exited with 1: Error: /);
  });

  it('names the build command when the helm binary is missing', async () => {
    const a = addon('gpu-operator', { nodePools: [{ name: 'g', replicas: 1, gpu: { count: 1 } }] });
    const error = await renderAddon({
      addon: a,
      artefacts: await source.fetchAll(a.name, a.variant),
      kubernetesVersion: '1.37.2',
      helmBinary: () => new KubernetesTools('/nonexistent').helm(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'BinariesMissing' });
    expect((error as Error).message).toContain('npm run tools:build');
  });
});

describe('artefacts from their upstream URL', () => {
  const a = addon('load-balancer', {});
  const manifest = readFileSync(join(MIRROR, 'metallb/v0.16.1/metallb-native.yaml'));
  const answering = (response: () => Response) => {
    const urls: string[] = [];
    const fetch = (async (url: string) => {
      urls.push(url);
      return response();
    }) as unknown as typeof globalThis.fetch;
    return { urls, source: new ArtefactSource({ fetch }) };
  };

  it('downloads from the pinned URL and verifies the bytes', async () => {
    const { urls, source: online } = answering(() => new Response(manifest));
    const files = await online.fetchAll(a.name, a.variant);
    expect(files.get('metallb-native.yaml')!.equals(manifest)).toBe(true);
    expect(urls).toEqual([
      'https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml',
    ]);
  });

  it('retries a server error, gives up on a missing file', async () => {
    const busy = answering(() => new Response('busy', { status: 503 })).source;
    await expect(busy.fetchAll(a.name, a.variant)).rejects.toBeInstanceOf(TransientError);
    const gone = answering(() => new Response('no', { status: 404 })).source;
    await expect(gone.fetchAll(a.name, a.variant)).rejects.toMatchObject({
      reason: 'ArtefactMissing',
    });
  });
});
