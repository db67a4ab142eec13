import { expect } from '@jest/globals';
import type { Operation } from '../../sdk/src/index.js';
import type { OpenStackClients } from '../../src/providers/openstack/clients.js';
import { Parts, portName, resourceName } from '../../src/providers/openstack/names.js';
import { listClusterResources } from '../../src/providers/openstack/teardown.js';
import { ADMIN_TOKEN } from '../support/factories.js';
import { FAULT_KINDS, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { httpClient, type HttpAnswer } from '../support/http.js';
import type { KillSchedule } from '../support/kill-schedule.js';
import {
  DEMO,
  demoClients,
  registerVersionImages,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';

/** A fifth of all calls to the cloud, Keystone's included, meet a fault. */
const FAULT_RATE = 0.2;
/** Longer than KAAS_OPENSTACK_REQUEST_TIMEOUT_SECONDS in the suite's environment. */
const HOLD_MS = 5_000;

export interface OpenStackFaultsContext {
  seed: number;
  apiUrl: () => string;
  project: string;
  schedule: KillSchedule;
}

interface Machine {
  name: string;
  providerId: string | null;
  phase: string;
}

// The message rides along so that a wrong outcome says what happened.
const outcome = (op: Operation) => ({
  status: op.status,
  reason: op.error?.reason ?? 'none',
  message: op.error?.message,
});

function accepted(answer: HttpAnswer): Operation {
  expect({
    status: answer.status,
    body: answer.status === 202 ? 'accepted' : answer.body,
  }).toEqual({ status: 202, body: 'accepted' });
  return answer.body as Operation;
}

/**
 * An OpenStack cluster made, scaled out and in, upgraded and deleted through a proxy that
 * injects seeded 5xx answers and timeouts into a fifth of the calls to the testbed
 * (Keystone's included), while the worker is SIGKILLed at seeded moments. The testbed's
 * servers never run kubeadm, so create and scale end Failed with NodesNotJoined once their
 * machines run: that is the honest outcome there, and any other reason is a fault kaas did
 * not ride out. The upgrade can replace nothing there (a successor's node is never Ready): it
 * must end NodesNotJoined too, with the machines as they were. One method per test, in
 * order, so that each stays within the test timeout.
 */
export class OpenStackUnderFaults {
  private proxy?: FaultProxy;
  private readonly clients = demoClients();
  private readonly durations: string[] = [];
  /** Every machine name kaas ever listed for the cluster: searched for leftovers at the end. */
  private readonly seen = new Set<string>();
  private clusterId = '';
  private images?: Awaited<ReturnType<typeof registerVersionImages>>;
  private startedAt = 0;

  constructor(private readonly ctx: OpenStackFaultsContext) {}

  private get request() {
    return httpClient(this.ctx.apiUrl(), ADMIN_TOKEN);
  }

  private get clusters() {
    return `/v1/projects/${this.ctx.project}/clusters`;
  }

  private async withKills(label: string, start: () => Promise<Operation>, kills: number) {
    const startedAt = Date.now();
    const operation = await this.ctx.schedule.withKills(label, start, kills);
    this.durations.push(`${label} ${Math.round((Date.now() - startedAt) / 1000)} s`);
    return operation;
  }

  /** Registers the testbed through the proxy; that is no operation, so faults start after it. */
  private async setUp(): Promise<void> {
    this.startedAt = Date.now();
    await requireTestbed();
    // Registered straight at the testbed: the proxy's faults are for kaas's calls.
    this.images = await registerVersionImages();
    this.proxy = await startFaultProxy({
      keystone: new URL(TESTBED_AUTH_URL).origin,
      seed: this.ctx.seed,
      rate: FAULT_RATE,
      holdMs: HOLD_MS,
    });
    const cloud = await this.request('POST', '/v1/clouds', {
      body: { name: 'testbed-faulty', authUrl: this.proxy.authUrl, credentials: DEMO },
    });
    expect(cloud.status).toBe(201);
    const grant = `/v1/clouds/testbed-faulty/grants/${this.ctx.project}`;
    expect((await this.request('PUT', grant)).status).toBe(204);
    this.proxy.arm(true);
  }

  private async liveMachines(): Promise<Machine[]> {
    const answer = await this.request<{ items: Machine[] }>(
      'GET',
      `${this.clusters}/crash-os/machines`,
    );
    return answer.body.items.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async expectEachOnce(count: number): Promise<void> {
    const live = await this.liveMachines();
    for (const m of live) this.seen.add(m.name);
    await expectOneServerAndPortEach(this.clients, live, count);
  }

  async create(): Promise<void> {
    await this.setUp();
    const created = await this.withKills(
      'openstack create',
      async () =>
        accepted(
          await this.request('POST', this.clusters, {
            body: {
              name: 'crash-os',
              spec: {
                provider: 'openstack',
                kubernetesVersion: '1.36',
                controlPlane: { replicas: 1, flavor: 'm1.small' },
                nodePools: [{ name: 'w', replicas: 2, flavor: 'm1.small' }],
                // Its nodes never register here, so once the startup timeout passes the health
                // monitor would rightly start repairs, and the upgrade below would meet a 409.
                autoRepair: { enabled: false },
                openstack: {
                  cloud: 'testbed-faulty',
                  image: this.images!.template,
                  floatingIp: true,
                },
              },
            },
          }),
        ),
      5,
    );
    this.clusterId = created.clusterId;
    expect(outcome(created)).toMatchObject({ status: 'Failed', reason: 'NodesNotJoined' });
    await this.expectEachOnce(3);
  }

  async scaleOutAndIn(): Promise<void> {
    const scale = (replicas: number) => async () =>
      accepted(
        await this.request('POST', `${this.clusters}/crash-os/nodePools/w/scale`, {
          body: { replicas },
        }),
      );
    const out = await this.withKills('openstack scale out', scale(4), 4);
    expect(outcome(out)).toMatchObject({ status: 'Failed', reason: 'NodesNotJoined' });
    await this.expectEachOnce(5);
    const inward = await this.withKills('openstack scale in', scale(1), 4);
    expect(outcome(inward)).toMatchObject({ status: 'Failed', reason: 'NodesNotJoined' });
    await this.expectEachOnce(2);
  }

  async upgradeEndsWithAReason(): Promise<void> {
    const before = await this.liveMachines();
    const upgraded = await this.withKills(
      'openstack upgrade',
      async () =>
        accepted(
          await this.request('PATCH', `${this.clusters}/crash-os`, {
            body: { spec: { kubernetesVersion: '1.37' } },
          }),
        ),
      3,
    );
    expect(outcome(upgraded)).toMatchObject({ status: 'Failed', reason: 'NodesNotJoined' });
    await this.expectEachOnce(2);
    expect((await this.liveMachines()).map((m) => m.providerId)).toEqual(
      before.map((m) => m.providerId),
    );
  }

  async deleteLeavesNothing(): Promise<void> {
    const deleted = await this.withKills(
      'openstack delete',
      async () => accepted(await this.request('DELETE', `${this.clusters}/crash-os`)),
      5,
    );
    expect(outcome(deleted)).toMatchObject({ status: 'Succeeded', reason: 'none' });
    expect(await listClusterResources(this.clients, this.clusterId)).toEqual([]);
    expect(await untaggedLeftovers(this.clients, this.clusterId, [...this.seen])).toEqual([]);
  }

  /**
   * The faults were real: of every kind, at about the rate asked, and some hit creates after
   * the cloud had acted.
   */
  expectFaultsInjected(): void {
    // Every endpoint of the catalog was put behind the proxy, and faults reached the services.
    const ports = this.proxy!.upstreams().map((u) => u.split(':')[1]);
    expect(ports).toEqual(expect.arrayContaining(['5000', '8774', '9696', '9876', '9292']));
    const { byKind, byUpstream, postsByKind, armedRequests } = this.proxy!.counts;
    expect(Object.keys(byUpstream)).toEqual(
      expect.arrayContaining(['127.0.0.1:8774', '127.0.0.1:9696', '127.0.0.1:9876']),
    );
    for (const kind of FAULT_KINDS)
      expect({ kind, count: byKind[kind] > 0 }).toEqual({ kind, count: true });
    expect(postsByKind.lost + postsByKind.heldAfterWork).toBeGreaterThan(0);
    const faults = FAULT_KINDS.reduce((sum, k) => sum + byKind[k], 0);
    expect(faults / armedRequests).toBeGreaterThan(FAULT_RATE / 2);
    expect(faults / armedRequests).toBeLessThan(FAULT_RATE * 1.5);
  }

  async stop(): Promise<void> {
    await this.images?.remove();
    const proxy = this.proxy;
    if (!proxy) return;
    proxy.arm(false);
    await proxy.stop();
    const { counts } = proxy;
    console.log(
      `openstack under faults: ${Math.round((Date.now() - this.startedAt) / 1000)} s, ` +
        `${counts.armedRequests} requests while armed, faults ${JSON.stringify(counts.byKind)}, ` +
        `on creates ${JSON.stringify(counts.postsByKind)}, by upstream ${JSON.stringify(counts.byUpstream)}, ` +
        `5xx after a create was made ${JSON.stringify(counts.lostPostStatuses)}, ` +
        `slowest answer ${JSON.stringify(counts.slowest)}; ${this.durations.join(', ')}`,
    );
  }
}

/**
 * Every machine kaas lists has exactly one server and one port at the cloud, looked up by
 * name without the tag (a create repeated after its answer was lost would carry it too, but a
 * port tagged late might not), and the server is the one kaas recorded.
 */
async function expectOneServerAndPortEach(
  clients: OpenStackClients,
  live: Machine[],
  count: number,
): Promise<void> {
  expect(live.map((m) => m.name)).toHaveLength(count);
  for (const machine of live) {
    const servers = await clients.nova.listServers({ name: machine.name });
    const ports = await clients.neutron.list('ports', { name: portName(machine.name) });
    expect({
      machine: machine.name,
      servers: servers.map((s) => s.id),
      ports: ports.length,
    }).toEqual({ machine: machine.name, servers: [machine.providerId], ports: 1 });
  }
}

/** What a lost tag would hide from listClusterResources: looked up by name and description. */
async function untaggedLeftovers(
  clients: OpenStackClients,
  clusterId: string,
  machineNames: string[],
): Promise<string[]> {
  const left: string[] = [];
  for (const name of machineNames) {
    for (const s of await clients.nova.listServers({ name })) left.push(`server ${s.name}`);
    for (const p of await clients.neutron.list('ports', { name: portName(name) }))
      left.push(`port ${p.name}`);
  }
  const fipDescription = resourceName(clusterId, Parts.apiFloatingIp);
  for (const fip of await clients.neutron.list('floatingips'))
    if (fip.description === fipDescription)
      left.push(`floating IP ${String(fip.floating_ip_address)}`);
  const lbName = resourceName(clusterId, Parts.loadBalancer);
  for (const lb of await clients.octavia.listLoadBalancers({ name: lbName }))
    left.push(`load balancer ${lb.name} (${lb.provisioning_status})`);
  return left;
}
