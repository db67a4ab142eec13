import { OpenStackHttpError } from '../../src/providers/openstack/http.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import {
  AdmissionregistrationV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Ingress,
  type V1Pod,
} from '@kubernetes/client-node';
import { applyManifests } from '../../src/kube/apply.js';
import type { TenantKubeClient } from '../../src/kube/tenant-client.js';
import { nodeFor } from '../../src/providers/kwok/node-template.js';
import { nodePoolSpecSchema } from '../../src/domain/cluster.js';
import type { OpenStackClients } from '../../src/providers/openstack/clients.js';
import type { OctaviaLoadBalancer } from '../../src/providers/openstack/octavia.js';
import { createIngressV2Controller } from '../../src/ingress-v2/wiring.js';
import { deleteInfrastructure } from '../../src/providers/openstack/teardown.js';
import { waitForLoadBalancer } from '../../src/ingress-v2/lb-changes.js';
import { GateWebhook, WEBHOOK_PATH } from '../../src/ingress-v2/gate-webhook.js';
import type { IngressV2Controller } from '../../src/ingress-v2/ingress-v2.controller.js';
import type { ReconcileResult } from '../../src/ingress-v2/ingress-reconciler.js';
import type { IngressV2Config } from '../../src/ingress-v2/ingress-v2-config.js';
import { MEMBER_CONDITION, clusterTag } from '../../src/ingress-v2/ingress-model.js';
import { eventually } from '../support/http.js';
import { startKwokCluster } from '../support/kwok.js';
import { DEMO, demoClients, demoConnection, requireTestbed } from '../support/openstack.js';

const NS = 'default';
const CLUSTER_ID = `it-${Math.random().toString(36).slice(2, 8)}`;
const warnings: string[] = [];
const quiet = { info: () => undefined, warn: (m: string) => void warnings.push(m) };

/** The controller runs as the service account of deploy/ingress-v2/controller.yaml, so its RBAC is tested too. */
function asControllerServiceAccount(kubeconfig: string): KubeConfig {
  const doc = parse(kubeconfig) as { users: { user: Record<string, unknown> }[] };
  for (const u of doc.users)
    u.user.as = 'system:serviceaccount:kaas-ingress-v2:ingress-v2-controller';
  const config = new KubeConfig();
  config.loadFromString(stringify(doc));
  return config;
}

function deployment(name: string, replicas: number, port: number, gated: boolean): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(gated ? { readinessGates: [{ conditionType: MEMBER_CONDITION }] } : {}),
          containers: [
            {
              name: 'app',
              image: `registry.example/${name}:1`,
              ports: [{ name: 'serve', containerPort: port }],
            },
          ],
        },
      },
    },
  };
}

function ingress(name: string, rules: V1Ingress['spec']): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: NS },
    spec: { ingressClassName: 'kaas-v2', ...rules },
  };
}

const backend = (service: string, port: number | string) => ({
  service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } },
});

/** Everything Octavia holds for one load balancer, as the test reads it (never through the controller). */
async function octaviaView(clients: OpenStackClients, lb: OctaviaLoadBalancer) {
  const { octavia } = clients;
  const pools = await octavia.listPools(lb.id);
  const members: Record<string, string[]> = {};
  for (const pool of pools)
    members[pool.name] = (await octavia.listMembers(pool.id))
      .map((m) => `${m.address}:${m.protocol_port}`)
      .sort();
  const listeners = await octavia.listListeners(lb.id);
  const policies: { listener: string; pool: string; position: number; rules: string[] }[] = [];
  for (const listener of listeners)
    for (const policy of await octavia.listL7Policies(listener.id))
      policies.push({
        listener: listener.name,
        pool: pools.find((p) => p.id === policy.redirect_pool_id)?.name ?? '?',
        position: policy.position,
        rules: (await octavia.listL7Rules(policy.id))
          .map((r) => `${r.type} ${r.compare_type} ${r.value}`)
          .sort(),
      });
  return {
    listeners: listeners.map((l) => ({
      name: l.name,
      protocol: l.protocol,
      port: l.protocol_port,
      defaultPool: pools.find((p) => p.id === l.default_pool_id)?.name ?? null,
    })),
    members,
    policies: policies.sort((a, b) => a.position - b.position),
  };
}

/**
 * The Ingress v2 controller, run in this process, against a real API server with kwok nodes
 * (a real scheduler, ReplicaSet and EndpointSlice controllers; kwok gives pods IPs) and the
 * testbed's real Octavia (amphora provider with a fake amphora agent: load balancers become
 * ACTIVE, members never ONLINE).
 */
describe('Ingress v2 controller on a real API server and Octavia', () => {
  let cluster: Awaited<ReturnType<typeof startKwokCluster>>;
  let client: TenantKubeClient;
  let networking: NetworkingV1Api;
  let clients: OpenStackClients;
  let config: IngressV2Config;
  let controller: IngressV2Controller | undefined;
  let webhook: GateWebhook | undefined;
  const results: ReconcileResult[] = [];

  const startController = async () => {
    controller = createIngressV2Controller(asControllerServiceAccount(cluster.kubeconfig), config, {
      log: quiet,
      onReconciled: (r) => void results.push(r),
    });
    await controller.start();
  };
  const owned = () => clients.octavia.listLoadBalancers({ tags: clusterTag(CLUSTER_ID) });
  const loadBalancerOf = async (key: string) =>
    (await owned()).find((lb) => lb.tags?.includes(`kaas-ingress=${key}`));
  const podIps = async (app: string, port: number) =>
    (await client.core.listNamespacedPod({ namespace: NS, labelSelector: `app=${app}` })).items
      .filter((p) => p.status?.podIP && !p.metadata?.deletionTimestamp)
      .map((p) => `${p.status!.podIP}:${port}`)
      .sort();
  const scale = (name: string, replicas: number) =>
    client.apps.patchNamespacedDeployment(
      { name, namespace: NS, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  /** Waits until Octavia has exactly the pods' addresses in the pool (and the pods have IPs). */
  const membersFollow = async (
    key: string,
    pool: string,
    app: string,
    port: number,
    count: number,
  ) =>
    eventually(
      async () => {
        const lb = await loadBalancerOf(key);
        const ips = await podIps(app, port);
        const view = lb ? await octaviaView(clients, lb) : undefined;
        return { ips, members: view?.members[pool] };
      },
      ({ ips, members }) => ips.length === count && JSON.stringify(members) === JSON.stringify(ips),
      180_000,
    );

  beforeAll(async () => {
    await requireTestbed();
    clients = demoClients();
    const [subnet] = await clients.neutron.list('subnets', { name: 'demo-subnet' });
    // demo-router joins demo-subnet to the external network `public`: floating IPs work.
    const [external] = await clients.neutron.list('networks', { name: 'public' });
    config = {
      cloud: demoConnection(),
      clusterId: CLUSTER_ID,
      vipSubnetId: subnet!.id,
      floatingNetworkId: external!.id,
      resyncMs: 5_000,
      gatePollMs: 1_000,
    };
    cluster = await startKwokCluster('1.37.2');
    client = cluster.client;
    networking = client.config.makeApiClient(NetworkingV1Api);
    const pool = nodePoolSpecSchema.parse({ name: 'workers', replicas: 2 });
    for (const name of ['worker-a', 'worker-b'])
      await client.core.createNode({
        body: nodeFor('test', `kwok://test/${name}`, {
          name,
          pool,
          flavor: 'standard',
          role: 'worker',
          version: '1.37.2',
        }),
      });
    await applyManifests(client, readFileSync('deploy/ingress-v2/controller.yaml', 'utf8'));
    await client.apps.createNamespacedDeployment({
      namespace: NS,
      body: deployment('web', 2, 8080, true),
    });
    await client.apps.createNamespacedDeployment({
      namespace: NS,
      body: deployment('api', 1, 9090, false),
    });
    await client.core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { app: 'web' },
          ports: [{ name: 'http', port: 80, targetPort: 'serve' }],
        },
      },
    });
    await client.core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'api' },
        spec: { selector: { app: 'api' }, ports: [{ port: 8000, targetPort: 9090 }] },
      },
    });
    // Both Deployments' pods exist before the gate webhook does: the api pod must be one the
    // webhook never saw (the test of ungated pods), which a slow ReplicaSet controller would
    // otherwise create after the webhook is in place.
    await eventually(
      async () => (await client.core.listNamespacedPod({ namespace: NS })).items.length,
      (pods) => pods === 3,
      60_000,
    );
    await startController();
    await startWebhook();
  });

  /**
   * The gate webhook as the controller's process runs it (own CA, caBundle written into the
   * configuration of controller.yaml), served on 127.0.0.1 because the API server runs on this
   * machine: the configuration's clientConfig is pointed at that URL, keeping its caBundle.
   */
  const startWebhook = async () => {
    const admission = client.config.makeApiClient(AdmissionregistrationV1Api);
    webhook = new GateWebhook(
      (pod, namespace) => controller?.wantsGate(pod, namespace) ?? false,
      asControllerServiceAccount(cluster.kubeconfig).makeApiClient(AdmissionregistrationV1Api),
      {
        port: 0,
        host: '127.0.0.1',
        ipAddresses: ['127.0.0.1'],
        configurationName: 'kaas-ingress-v2',
      },
    );
    const port = await webhook.start();
    const written = await admission.readMutatingWebhookConfiguration({ name: 'kaas-ingress-v2' });
    const caBundle = written.webhooks![0]!.clientConfig.caBundle;
    expect(caBundle).toBeTruthy();
    await admission.patchMutatingWebhookConfiguration(
      {
        name: 'kaas-ingress-v2',
        body: [
          {
            op: 'replace',
            path: '/webhooks/0/clientConfig',
            value: { url: `https://127.0.0.1:${port}${WEBHOOK_PATH}`, caBundle },
          },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    await client.core.patchNamespace(
      {
        name: NS,
        body: { metadata: { labels: { 'ingress.kaas.dev/readiness-gate-inject': 'enabled' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };

  /** `node dist/main.js ingress-v2`, as the image runs it, as the controller's service account. */
  const startControllerProcess = () => {
    const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
    const kubeconfig = join(cluster.workdir, 'ingress-v2.kubeconfig');
    writeFileSync(kubeconfig, asControllerServiceAccount(cluster.kubeconfig).exportConfig());
    const credentials = demoConnection().credentials as typeof DEMO;
    const child = spawn(process.execPath, [main, 'ingress-v2', '--kubeconfig', kubeconfig], {
      env: {
        PATH: process.env.PATH ?? '',
        OS_AUTH_URL: config.cloud.authUrl,
        OS_REGION_NAME: config.cloud.region,
        OS_USERNAME: credentials.username,
        OS_PASSWORD: credentials.password,
        OS_PROJECT_NAME: credentials.projectName,
        KAAS_INGRESS_CLUSTER_ID: CLUSTER_ID,
        KAAS_INGRESS_VIP_SUBNET_ID: config.vipSubnetId,
        KAAS_INGRESS_FLOATING_NETWORK_ID: config.floatingNetworkId!,
        KAAS_INGRESS_RESYNC_SECONDS: '5',
        KAAS_INGRESS_GATE_POLL_SECONDS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return {
      output: () => output,
      stop: () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
  };

  afterAll(async () => {
    await webhook?.stop();
    await controller?.stop();
    // Whatever a failed test left behind goes, so the shared testbed stays clean.
    for (const lb of await owned().catch(() => []))
      await clients.octavia.deleteLoadBalancer(lb.id).catch(() => undefined);
    for (const ip of await clients.neutron
      .list('floatingips', { tags: clusterTag(CLUSTER_ID) })
      .catch(() => []))
      await clients.neutron.delete('floatingips', ip.id).catch(() => undefined);
    await cluster?.stop();
  });

  it('programs an Ingress with two hosts and paths: listener, L7 policies, pools with the Pod IPs', async () => {
    await networking.createNamespacedIngress({
      namespace: NS,
      body: ingress('shop', {
        rules: [
          {
            host: 'a.example.com',
            http: {
              paths: [
                { path: '/api', pathType: 'Prefix', backend: backend('api', 8000) },
                { path: '/', pathType: 'Prefix', backend: backend('web', 'http') },
              ],
            },
          },
          {
            host: 'b.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] },
          },
        ],
      }),
    });
    // The first reconcile that went through to the end made the whole load balancer.
    const first = await eventually(
      async () => results.find((r) => r.key === `${NS}/shop` && r.address),
      (r) => r !== undefined,
      240_000,
    );
    expect(first!.changes).toBeGreaterThan(0);
    const web = await membersFollow(`${NS}/shop`, `${NS}/web:80`, 'web', 8080, 2);
    const api = await membersFollow(`${NS}/shop`, `${NS}/api:8000`, 'api', 9090, 1);
    expect(web.members).toHaveLength(2);
    expect(api.members).toHaveLength(1);
    const lb = (await loadBalancerOf(`${NS}/shop`))!;
    expect(lb.tags).toEqual(
      expect.arrayContaining([clusterTag(CLUSTER_ID), `kaas-ingress=${NS}/shop`]),
    );
    const view = await octaviaView(clients, lb);
    expect(view.listeners).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, defaultPool: null },
    ]);
    expect(Object.keys(view.members).sort()).toEqual([`${NS}/api:8000`, `${NS}/web:80`]);
    // Most specific first: a.example.com/api, then the two host-only routes.
    expect(view.policies.map((p) => [p.position, p.pool, p.rules])).toEqual([
      [1, `${NS}/api:8000`, ['HOST_NAME EQUAL_TO a.example.com', 'PATH REGEX ^\\/api(/.*)?$']],
      [2, `${NS}/web:80`, ['HOST_NAME EQUAL_TO a.example.com']],
      [3, `${NS}/web:80`, ['HOST_NAME EQUAL_TO b.example.com']],
    ]);
    const status = await eventually(
      () => networking.readNamespacedIngressStatus({ name: 'shop', namespace: NS }),
      (i) => (i.status?.loadBalancer?.ingress ?? []).length > 0,
      60_000,
    );
    const [floating] = await clients.neutron.list('floatingips', { port_id: lb.vip_port_id });
    expect(floating!.tags).toEqual(expect.arrayContaining([clusterTag(CLUSTER_ID)]));
    expect(status.status!.loadBalancer!.ingress).toEqual([
      { ip: String(floating!.floating_ip_address) },
    ]);
  });

  it('reconciles a converged load balancer without a single Octavia change', async () => {
    // A pass that started before the pods had IPs may still be finishing: let it.
    await controller!.idle();
    const from = results.length;
    await eventually(
      async () => results.slice(from).filter((r) => r.key === `${NS}/shop`),
      (rs) => rs.length >= 2,
      60_000,
    );
    // Every later pass found nothing to do (the actions say what it did if not).
    expect(
      results
        .slice(from)
        .filter((r) => r.key === `${NS}/shop`)
        .flatMap((r) => r.actions),
    ).toEqual([]);
  });

  it('repairs changes made behind its back in Octavia: a lost rule, member and health monitor', async () => {
    const lb = (await loadBalancerOf(`${NS}/shop`))!;
    const expected = await octaviaView(clients, lb);
    const { octavia } = clients;
    const [listener] = await octavia.listListeners(lb.id);
    const policy = (await octavia.listL7Policies(listener!.id)).find((p) => p.position === 1)!;
    const pools = await octavia.listPools(lb.id);
    const web = pools.find((p) => p.name === `${NS}/web:80`)!;
    const api = pools.find((p) => p.name === `${NS}/api:8000`)!;
    const settle = () => waitForLoadBalancer(octavia, lb.id);
    // The controller may be repairing the previous change meanwhile (the load balancer is then
    // immutable for a moment): wait for it and try again, as any other client would.
    const behindItsBack = async (change: () => Promise<void>) => {
      for (let attempt = 1; ; attempt++) {
        await settle();
        try {
          return await change();
        } catch (error) {
          if (!(error instanceof OpenStackHttpError && error.status === 409) || attempt >= 10)
            throw error;
        }
      }
    };
    // What a crash between two changes, or someone with the project's credentials, leaves.
    await behindItsBack(async () =>
      octavia.deleteL7Rule(policy.id, (await octavia.listL7Rules(policy.id))[0]!.id),
    );
    await behindItsBack(async () =>
      octavia.deleteMember(web.id, (await octavia.listMembers(web.id))[0]!.id),
    );
    await behindItsBack(() => octavia.deleteHealthMonitor(api.healthmonitor_id!));
    await settle();
    const repaired = await eventually(
      async () => {
        try {
          const view = await octaviaView(clients, lb);
          const monitored = (await octavia.listPools(lb.id)).every((p) => p.healthmonitor_id);
          return { view, monitored };
        } catch (error) {
          // The view is read in several calls; a policy or pool that the controller replaces
          // between two of them answers 404. That is a repair in progress: look again.
          if (error instanceof OpenStackHttpError && error.status === 404) return undefined;
          throw error;
        }
      },
      (read) =>
        read !== undefined &&
        read.monitored &&
        JSON.stringify(read.view.members) === JSON.stringify(expected.members) &&
        JSON.stringify(read.view.policies.map((p) => [p.pool, p.rules])) ===
          JSON.stringify(expected.policies.map((p) => [p.pool, p.rules])),
      120_000,
    );
    expect(repaired!.view.listeners).toEqual(expected.listeners);
  });

  it('keeps the readiness gate False while Octavia does not report the member ONLINE', async () => {
    const pods = await eventually(
      async () =>
        (await client.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' })).items,
      (ps) =>
        ps.length === 2 &&
        ps.every((p) => (p.status?.conditions ?? []).some((c) => c.type === MEMBER_CONDITION)),
      60_000,
    );
    const gate = (p: V1Pod) => p.status!.conditions!.find((c) => c.type === MEMBER_CONDITION)!;
    for (const pod of pods) {
      expect(gate(pod).status).toBe('False');
      expect(gate(pod).message).toMatch(/OFFLINE|NO_MONITOR|ERROR/);
    }
    // Ungated pods are left alone.
    const apiPods = (
      await client.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=api' })
    ).items;
    expect(
      apiPods.every((p) => !(p.status?.conditions ?? []).some((c) => c.type === MEMBER_CONDITION)),
    ).toBe(true);
  });

  it('follows the Deployment when it scales: members are the pods', async () => {
    await scale('web', 3);
    const grown = await membersFollow(`${NS}/shop`, `${NS}/web:80`, 'web', 8080, 3);
    expect(grown.members).toHaveLength(3);
    await scale('web', 1);
    const shrunk = await membersFollow(`${NS}/shop`, `${NS}/web:80`, 'web', 8080, 1);
    expect(shrunk.members).toHaveLength(1);
  });

  it('injects the readiness gate into new pods behind an Ingress v2, and only those', async () => {
    const before = (
      await client.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=api' })
    ).items;
    // The api Deployment asks for no gate: whatever gate its new pod has, the webhook added.
    const template = await client.apps.readNamespacedDeployment({ name: 'api', namespace: NS });
    expect(template.spec!.template.spec!.readinessGates).toBeUndefined();
    await scale('api', 2);
    await client.apps.createNamespacedDeployment({
      namespace: NS,
      body: deployment('other', 1, 7070, false),
    });
    const created = await eventually(
      async () =>
        (
          await client.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=api' })
        ).items.filter((p) => !before.some((b) => b.metadata!.name === p.metadata!.name)),
      (ps) => ps.length === 1,
      60_000,
    );
    expect(created[0]!.spec!.readinessGates).toEqual([{ conditionType: MEMBER_CONDITION }]);
    const other = await eventually(
      async () =>
        (await client.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=other' })).items,
      (ps) => ps.length === 1,
      60_000,
    );
    expect(other[0]!.spec!.readinessGates).toBeUndefined();
    // The injected gate is served like a configured one: a member, and False while OFFLINE.
    // (kwok marks every readiness gate True when it starts a pod; the controller corrects it.)
    await membersFollow(`${NS}/shop`, `${NS}/api:8000`, 'api', 9090, 2);
    const gated = await eventually(
      () =>
        client.core.readNamespacedPodStatus({ name: created[0]!.metadata!.name!, namespace: NS }),
      (p) =>
        (p.status?.conditions ?? []).some(
          (c) => c.type === MEMBER_CONDITION && c.reason === 'LoadBalancerMemberNotAdmitted',
        ),
      60_000,
    );
    expect(gated.status!.conditions!.filter((c) => c.type === MEMBER_CONDITION)).toEqual([
      expect.objectContaining({ status: 'False', message: expect.stringContaining('OFFLINE') }),
    ]);
  });

  it('converges after a restart on changes it missed, including an Ingress deleted while it was down', async () => {
    await networking.createNamespacedIngress({
      namespace: NS,
      body: ingress('solo', {
        defaultBackend: backend('api', 8000),
        rules: [
          {
            host: 'c.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('missing', 80) }] },
          },
        ],
      }),
    });
    await eventually(
      async () => results.find((r) => r.key === `${NS}/solo` && r.address),
      (r) => r !== undefined,
      240_000,
    );
    const solo = await octaviaView(clients, (await loadBalancerOf(`${NS}/solo`))!);
    expect(solo.listeners).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, defaultPool: `${NS}/api:8000` },
    ]);
    expect(solo.members[`${NS}/api:8000`]).toEqual(await podIps('api', 9090));
    expect(solo.policies).toEqual([
      {
        listener: 'http',
        pool: `${NS}/missing:80`,
        position: 1,
        rules: ['HOST_NAME EQUAL_TO c.example.com'],
      },
    ]);
    expect(solo.members[`${NS}/missing:80`]).toEqual([]);
    const events = await eventually(
      async () =>
        (
          await client.core.listNamespacedEvent({
            namespace: NS,
            fieldSelector: 'involvedObject.kind=Ingress,involvedObject.name=solo',
          })
        ).items,
      (items) => items.some((e) => e.reason === 'ServiceNotFound'),
      60_000,
    );
    expect(events.find((e) => e.reason === 'ServiceNotFound')).toMatchObject({
      type: 'Warning',
      message: `Service ${NS}/missing not found`,
    });
    await controller!.stop();
    controller = undefined;
    await networking.deleteNamespacedIngress({ name: 'solo', namespace: NS });
    await scale('web', 2);
    await eventually(
      () => podIps('web', 8080),
      (ips) => ips.length === 2,
      60_000,
    );
    // Nothing is watching: Octavia still has the old state.
    expect(await loadBalancerOf(`${NS}/solo`)).toBeDefined();
    // It comes back as the built process, configured from the environment as in its Deployment.
    const running = startControllerProcess();
    try {
      await membersFollow(`${NS}/shop`, `${NS}/web:80`, 'web', 8080, 2);
      await eventually(
        () => loadBalancerOf(`${NS}/solo`),
        (lb) => lb === undefined,
        180_000,
      );
    } finally {
      expect(await running.stop()).toEqual({ code: 0, signal: null });
    }
    expect(running.output()).toContain('ingress-v2 controller started');
    expect(running.output()).toContain(`${NS}/solo: deleted`);
    await startController();
  });

  it('deletes everything it made in Octavia when the Ingress goes', async () => {
    const lb = (await loadBalancerOf(`${NS}/shop`))!;
    await networking.deleteNamespacedIngress({ name: 'shop', namespace: NS });
    await eventually(owned, (lbs) => lbs.length === 0, 180_000);
    const gone = await clients.octavia.getLoadBalancer(lb.id);
    expect(gone === undefined || gone.provisioning_status === 'DELETED').toBe(true);
    const byName = await clients.octavia.listLoadBalancers({ name: lb.name });
    expect(byName.filter((l) => l.provisioning_status !== 'DELETED')).toEqual([]);
    expect(await clients.neutron.list('floatingips', { tags: clusterTag(CLUSTER_ID) })).toEqual([]);
  });

  it('leaves nothing behind when kaas deletes the cluster with the controller gone', async () => {
    await networking.createNamespacedIngress({
      namespace: NS,
      body: ingress('left', { defaultBackend: backend('api', 8000) }),
    });
    await eventually(
      async () => results.find((r) => r.key === `${NS}/left` && r.address),
      (r) => r !== undefined,
      240_000,
    );
    // The tenant cluster goes first, its controller with it: nobody will delete this Ingress.
    await controller!.stop();
    controller = undefined;
    expect(await owned()).toHaveLength(1);
    await eventually(
      () => deleteInfrastructure(clients, { clusterId: CLUSTER_ID }),
      (r) => r.gone,
      180_000,
    );
    expect(await owned()).toEqual([]);
    expect(await clients.neutron.list('floatingips', { tags: clusterTag(CLUSTER_ID) })).toEqual([]);
  });
});
