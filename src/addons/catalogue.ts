import { catalogueSchema, type AddonVariant, type CatalogueEntry } from './catalogue-schema.js';

const KUBERNETES = ['1.36', '1.37'];

const METALLB_MANIFEST = {
  file: 'metallb-native.yaml',
  url: 'https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml',
  sha256: 'bf25feebb7582ca7df845efd52ffbc2960d6cbf4cfc972f47fded9f788b67f0b',
  type: 'manifest',
} as const;

const OCCM_BASE =
  'https://raw.githubusercontent.com/kubernetes/cloud-provider-openstack/v1.36.0/manifests/controller-manager';

/** MetalLB in L2 mode; only its address pool differs between kwok and kind. */
function metallb(
  providers: AddonVariant['providers'],
  config: Record<string, unknown>,
  dropAdmissionWebhooks: boolean,
) {
  return {
    providers,
    component: 'metallb',
    componentVersion: 'v0.16.1',
    namespace: 'metallb-system',
    renderer: 'metallb' as const,
    artefacts: [METALLB_MANIFEST],
    defaultConfig: config,
    dropAdmissionWebhooks,
    ...(dropAdmissionWebhooks
      ? {
          notes:
            'kwok runs no containers, so nothing would answer MetalLB webhooks: they are left out',
        }
      : {}),
  };
}

const occm = {
  providers: ['openstack' as const],
  component: 'openstack-cloud-controller-manager',
  componentVersion: 'v1.36.0',
  namespace: 'kube-system',
  renderer: 'openstack-cloud-controller-manager' as const,
  artefacts: [
    {
      file: 'cloud-controller-manager-roles.yaml',
      url: `${OCCM_BASE}/cloud-controller-manager-roles.yaml`,
      sha256: '7079e3546712fb05c9e3ce29e2663f92dfa1a33f1c6f2f73327fe0f25c2e4ab3',
      type: 'manifest' as const,
    },
    {
      file: 'cloud-controller-manager-role-bindings.yaml',
      url: `${OCCM_BASE}/cloud-controller-manager-role-bindings.yaml`,
      sha256: '307401cce798d4300d1fd78b4060c3287dae87d498d0201161049f8bdb5c38be',
      type: 'manifest' as const,
    },
    {
      file: 'openstack-cloud-controller-manager-ds.yaml',
      url: `${OCCM_BASE}/openstack-cloud-controller-manager-ds.yaml`,
      sha256: 'aa37f8b719a327e7f8c74116eb3c86965c41ddc1a0a228a5d9fbc91d0b91c585',
      type: 'manifest' as const,
    },
  ],
  defaultConfig: { loadBalancer: { lbMethod: 'ROUND_ROBIN', createMonitor: true } },
  dropAdmissionWebhooks: false,
  notes:
    'Octavia load balancers; the cloud-config Secret holds an application credential kaas makes for the cluster alone and deletes with it',
};

const KWOK_POOL = ['10.250.0.0/24'];
const KIND_POOL = ['172.18.255.200-172.18.255.250'];

/**
 * Every add-on kaas knows, with every version it can install. Artefacts are pinned by sha256
 * and fetched at install time (from KAAS_ADDON_MIRROR when set, else from their URL).
 */
export const CATALOGUE: readonly CatalogueEntry[] = catalogueSchema.parse([
  {
    name: 'load-balancer',
    title: 'LoadBalancer Services',
    description:
      'Gives Services of type LoadBalancer an address: MetalLB (L2) on kind and kwok, the OpenStack cloud controller manager with Octavia on OpenStack.',
    category: 'load-balancer',
    availability: 'available',
    defaultEnabled: 'always',
    defaultVersion: '1.1.0',
    versions: [
      {
        version: '1.0.0',
        kubernetesVersions: KUBERNETES,
        variants: [
          metallb(['kwok'], { addresses: KWOK_POOL, avoidBuggyIPs: false }, true),
          metallb(['kind'], { addresses: KIND_POOL, avoidBuggyIPs: false }, false),
          occm,
        ],
      },
      {
        version: '1.1.0',
        kubernetesVersions: KUBERNETES,
        notes:
          'The same MetalLB v0.16.1 manifest as 1.0.0; the default address pool now skips addresses ending in .0 and .255 (avoidBuggyIPs). OpenStack unchanged.',
        variants: [
          metallb(['kwok'], { addresses: KWOK_POOL, avoidBuggyIPs: true }, true),
          metallb(['kind'], { addresses: KIND_POOL, avoidBuggyIPs: true }, false),
          occm,
        ],
      },
    ],
  },
  {
    name: 'gpu-operator',
    title: 'NVIDIA GPU operator',
    description:
      'Device plugin, container toolkit and GPU feature discovery for GPU pools, in the no-driver profile (node images carry the driver).',
    category: 'gpu',
    availability: 'available',
    defaultEnabled: 'gpu-pools',
    defaultVersion: '26.7.0',
    versions: [
      {
        version: '26.7.0',
        kubernetesVersions: KUBERNETES,
        variants: [
          {
            providers: ['kwok', 'kind', 'openstack'],
            component: 'gpu-operator',
            componentVersion: 'v26.7.0',
            namespace: 'gpu-operator',
            renderer: 'gpu-operator',
            artefacts: [
              {
                // Packed from the v26.7.0 tag (deployments/gpu-operator): NVIDIA's published
                // archive differs byte for byte, so this one is only available from a mirror.
                file: 'gpu-operator-v26.7.0.tgz',
                sha256: '06a2d3735de4293dbc7431533392b3d5151183430897c02f9be0fd2e4908dd7a',
                type: 'helm-chart',
              },
            ],
            defaultConfig: { driver: { enabled: false } },
          },
        ],
      },
    ],
  },
  {
    name: 'ingress-v2',
    title: 'Ingress v2 controller',
    description:
      'Container-native L7 load balancing on Octavia for Ingresses of class kaas-v2: traffic goes straight to Pod IPs, not through node ports, with readiness gates on load balancer membership.',
    category: 'ingress',
    availability: 'available',
    defaultEnabled: 'always',
    defaultVersion: '0.1.0',
    versions: [
      {
        version: '0.1.0',
        kubernetesVersions: KUBERNETES,
        variants: [
          {
            providers: ['openstack'],
            component: 'ingress-v2',
            componentVersion: 'v0.1.0',
            namespace: 'kaas-ingress-v2',
            renderer: 'ingress-v2',
            artefacts: [
              {
                file: 'controller.yaml',
                bundled: 'deploy/ingress-v2/controller.yaml',
                sha256: 'f042b4171219f34b0274d8d963cca9e3f9012606492f8bf8c56adbc86cbb4d39',
                type: 'manifest',
              },
            ],
            defaultConfig: { floatingIps: true },
            notes:
              'built from this repository (deploy/ingress-v2); signs in with the application credential kaas makes for the cluster',
          },
        ],
      },
    ],
  },
  {
    name: 'mltask',
    title: 'MLTask',
    description:
      'The MLTask resource and its controller: training jobs for ML engineers on GPU pools, part of the GPU stack.',
    category: 'ml',
    availability: 'available',
    defaultEnabled: 'gpu-pools',
    defaultVersion: '0.1.0',
    versions: [
      {
        version: '0.1.0',
        kubernetesVersions: KUBERNETES,
        variants: [
          {
            providers: ['kwok', 'kind', 'openstack'],
            component: 'mltask',
            componentVersion: 'v0.1.0',
            namespace: 'kaas-mltask',
            renderer: 'manifests',
            artefacts: [
              {
                file: 'crd.yaml',
                bundled: 'deploy/mltask/crd.yaml',
                sha256: 'efceeb76589b51897b2a1d1e8124539936c39a8f3c840d1c7420049c61dded47',
                type: 'manifest',
              },
              {
                file: 'controller.yaml',
                bundled: 'deploy/mltask/controller.yaml',
                sha256: '704dd6958b06235650346d4597c05c2ea255f6f36625051fe19f4c844aaeee2f',
                type: 'manifest',
              },
            ],
            defaultConfig: {},
            notes: 'built from this repository (deploy/mltask); no mirror needed',
          },
        ],
      },
    ],
  },
]);

export function findAddon(name: string): CatalogueEntry | undefined {
  return CATALOGUE.find((e) => e.name === name);
}
