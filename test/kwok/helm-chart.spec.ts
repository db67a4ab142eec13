import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { KubernetesTools } from '../../src/providers/kwok/kubernetes-tools.js';
import { applyManifests, parseManifests, waitForRollout } from '../../src/kube/apply.js';
import { nodeFor } from '../../src/providers/kwok/node-template.js';
import { nodePoolSpecSchema } from '../../src/domain/cluster.js';
import { startKwokCluster } from '../support/kwok.js';

const run = promisify(execFile);
const CHART = fileURLToPath(new URL('../../deploy/helm/kaas', import.meta.url));
const VALUES = [
  '--set',
  'database.url=postgres://kaas:kaas@postgres:5432/kaas',
  '--set',
  'redis.url=redis://redis:6379',
];

/** A minimal ServiceMonitor CRD, so the API server can validate the chart's ServiceMonitor. */
const SERVICE_MONITOR_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: servicemonitors.monitoring.coreos.com }
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: { plural: servicemonitors, singular: servicemonitor, kind: ServiceMonitor }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [selector, endpoints]
              properties:
                selector: { type: object, x-kubernetes-preserve-unknown-fields: true }
                endpoints:
                  type: array
                  items:
                    type: object
                    properties:
                      port: { type: string }
                      path: { type: string }
                      interval: { type: string }
`;

describe('Helm chart', () => {
  const helm = new KubernetesTools().helm();
  let cluster: Awaited<ReturnType<typeof startKwokCluster>>;

  beforeAll(async () => {
    cluster = await startKwokCluster();
    const pool = nodePoolSpecSchema.parse({ name: 'mgmt', replicas: 1 });
    for (const name of ['mgmt-a', 'mgmt-b']) {
      await cluster.client.core.createNode({
        body: nodeFor('mgmt', `kwok://mgmt/${name}`, {
          name,
          role: 'worker',
          pool,
          version: '1.37.2',
          flavor: 'standard',
        }),
      });
    }
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  /** `helm template` into the default namespace, with the chart's required values and `sets`. */
  const render = async (...sets: string[]) =>
    (
      await run(helm, [
        'template',
        'kaas',
        CHART,
        '--namespace',
        'default',
        ...VALUES,
        ...sets.flatMap((set) => ['--set', set]),
      ])
    ).stdout;
  /** Applies rendered objects; helm leaves namespaced ones without a namespace. */
  const applyRendered = (manifests: string) =>
    applyManifests(
      cluster.client,
      manifests.replace(/^(kind: [A-Za-z]+\nmetadata:\n)/gm, '$1  namespace: default\n'),
    );

  it('passes helm lint', async () => {
    const { stdout } = await run(helm, ['lint', CHART, ...VALUES]);
    expect(stdout).toContain('0 chart(s) failed');
  });

  it('refuses to render without a database or Redis', async () => {
    await expect(run(helm, ['template', 'kaas', CHART])).rejects.toMatchObject({
      stderr: expect.stringContaining('set database.url'),
    });
  });

  it('renders objects a real API server accepts, and the Deployments roll out', async () => {
    const stdout = await render('serviceMonitor.enabled=true');
    const kinds = parseManifests(stdout)
      .map((o) => o.kind)
      .sort();
    expect(kinds).toEqual([
      'ConfigMap',
      'Deployment',
      'Deployment',
      'PodDisruptionBudget',
      'PodDisruptionBudget',
      'Secret',
      'Service',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    await applyManifests(cluster.client, SERVICE_MONITOR_CRD);
    const result = await applyRendered(stdout);
    expect(result.applied).toHaveLength(10);
    await waitForRollout(cluster.client, 'Deployment', 'default', 'kaas-api', 60_000);
    await waitForRollout(cluster.client, 'Deployment', 'default', 'kaas-worker', 60_000);
    const api = await cluster.client.apps.readNamespacedDeployment({
      name: 'kaas-api',
      namespace: 'default',
    });
    const container = api.spec!.template.spec!.containers[0]!;
    expect(container.args).toEqual(['api']);
    expect(container.readinessProbe!.httpGet!.path).toBe('/readyz');
    expect(
      container.securityContext!.runAsNonRoot ??
        api.spec!.template.spec!.securityContext!.runAsNonRoot,
    ).toBe(true);
  });

  it('with monitor.enabled, runs kaas monitor and keeps the workers from watching', async () => {
    const stdout = await render('monitor.enabled=true');
    const objects = parseManifests(stdout);
    const monitorObjects = objects
      .filter((o) => o.metadata?.name === 'kaas-monitor')
      .map((o) => o.kind)
      .sort();
    expect(monitorObjects).toEqual(['Deployment', 'PodDisruptionBudget', 'Service']);
    type Deployment = {
      spec: {
        template: {
          spec: { containers: { args: string[]; env: { name: string; value: string }[] }[] };
        };
      };
    };
    const container = (name: string) =>
      (objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === name) as Deployment).spec
        .template.spec.containers[0]!;
    const env = (name: string) =>
      Object.fromEntries(container(name).env.map((e) => [e.name, e.value]));
    expect(container('kaas-monitor').args).toEqual(['monitor']);
    expect(env('kaas-monitor')).toMatchObject({ NODE_OPTIONS: '--max-semi-space-size=8' });
    expect(env('kaas-worker')).toMatchObject({ KAAS_WORKER_HEALTH_MONITOR: 'false' });
    expect(env('kaas-api')).not.toHaveProperty('KAAS_WORKER_HEALTH_MONITOR');
    const result = await applyRendered(stdout);
    expect(result.applied.length).toBe(objects.length);
    await waitForRollout(cluster.client, 'Deployment', 'default', 'kaas-monitor', 60_000);
  });
});
