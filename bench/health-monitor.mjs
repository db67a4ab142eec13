// Health monitoring at scale: one worker watches --clusters × --nodes nodes, served by
// --servers real API servers (kwokctl: etcd + kube-apiserver, nodes labelled per simulated
// cluster, one watch per cluster with a label selector). Measures the process's CPU and RSS at
// rest (with kubelet-like status updates, --churn per second, default one per node every
// 5 minutes) and while --faults nodes turn NotReady, and the delay from each fault to the repair
// request against the policy's --timeout.
// --process worker (default): a whole `kaas worker` (Nest, queues, reconciler, providers, the
// health monitor with its real repair path) whose clusters are created through a `kaas api`
// on the fake provider; the one thing the bench gives it is where each cluster's nodes are
// (a shared API server and a label selector, instead of the provider's kubeconfig).
// --process monitor: a `kaas monitor` (docs/adr/0016) beside an unmeasured `kaas api` and
// `kaas worker` (KAAS_WORKER_HEALTH_MONITOR=false) that create and provision the clusters; its
// repair requests start real Repair Operations, which that worker carries out.
// --process watches: the health monitor alone in its process (its repository, PostgreSQL, the
// watches; clusters written to the database directly, repair requests only reported): what
// the watches themselves cost.
// Usage: node bench/health-monitor.mjs [--process worker|monitor|watches] [--clusters 1000] [--nodes 20]
//        [--servers 1] [--timeout 10] [--faults 10] [--churn -1] [--settle 30] [--semi 16]
//        [--monitors 1]
// --monitors (--process watches only): monitor processes sharing the clusters (as that many
// workers do); figures are per monitor, the largest of them.
// --semi: the monitor's V8 young generation in MB (0: V8's default, which on a machine with
// much memory reserves 128 MB of it — see bench/README.md).
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  args,
  client,
  createDatabase,
  fmt,
  freePort,
  goal,
  median,
  onCleanup,
  pool,
  run,
  sleep,
  startKaas,
  uniqueId,
} from './lib.mjs';

const opts = args({
  clusters: 1000,
  nodes: 20,
  servers: 1,
  timeout: 10,
  faults: 10,
  churn: -1,
  settle: 30,
  semi: 16,
  monitors: 1,
  process: 'worker',
  child: false,
});
if (!['worker', 'monitor', 'watches'].includes(opts.process))
  throw new Error(`--process is worker, monitor or watches, not ${opts.process}`);
if (opts.process !== 'watches' && opts.monitors !== 1)
  throw new Error('--monitors is for --process watches');
/** The measured process is a kaas process (worker or monitor), not the bare watches. */
const KAAS_PROCESS = opts.process !== 'watches';
const CLUSTER_LABEL = 'kaas.dev/cluster';
const VERSION = '1.37.2';

/** Only etcd and kube-apiserver run: nothing else touches the nodes but this script. */
const API_SERVER_ONLY = [
  'kind: KwokctlConfiguration',
  'apiVersion: config.kwok.x-k8s.io/v1alpha1',
  'options:',
  '  disableKubeControllerManager: true',
  '  disableKubeScheduler: true',
  '  disableQPSLimits: true',
  'componentsPatches:',
  '- name: kwok-controller',
  '  extraArgs:',
  '  - key: manage-all-nodes',
  '    value: "false"',
  '  - key: manage-nodes-with-annotation-selector',
  '    value: kwok.x-k8s.io/node=fake',
].join('\n');

const serverOf = (clusterName) => Number(clusterName.slice(1)) % opts.servers;
const readyCondition = (status, transition, heartbeat = new Date()) => ({
  type: 'Ready',
  status,
  reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady',
  message: status === 'True' ? 'kubelet is posting ready status' : 'the bench stopped it',
  lastHeartbeatTime: heartbeat,
  lastTransitionTime: transition,
});

/**
 * The harness's own client of an API server: one pool of keep-alive connections (client-node
 * opens a new TLS connection per request, which would make seeding 20,000 nodes take minutes).
 * `ca`: the API server's CA (certificate and key), with which the measured process's
 * credentials are made as kaas makes them for its OpenStack clusters.
 */
async function apiServer(kubeconfig, ca) {
  // Loaded here, not at the top: the monitor's process runs this file too, and must load only
  // what the monitor itself loads.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { Agent, fetch: undiciFetch } = await import('undici');
  const { createAdminKubeconfig } = await import('../dist/bootstrap/kubeconfig.js');
  const { plainEndpoint } = await import('../dist/kube/kubeconfig-endpoint.js');
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  const tls = {};
  await config.applyToHTTPSOptions(tls);
  const base = config.getCurrentCluster().server;
  // What the OpenStack provider's adminKubeconfig gives the monitor: a client certificate for a
  // fresh ECDSA P-256 key, signed by the cluster's CA (src/bootstrap/kubeconfig.ts). The tools'
  // own admin kubeconfigs (kwokctl's, kind's) carry an RSA key, ~28 KB more per connection.
  const { kubeconfig: minted } = await createAdminKubeconfig({
    clusterName: 'bench',
    endpoint: new URL(base).host,
    ca,
    // kwokctl's API server has no binding for kubeadm's admin group.
    groups: ['system:masters'],
    validityMs: 24 * 3600_000,
  });
  const endpoint = plainEndpoint(minted);
  const dispatcher = new Agent({
    connect: { ca: tls.ca, cert: tls.cert, key: tls.key },
    connections: 32,
  });
  onCleanup(() => dispatcher.close());
  const call = async (method, path, body, contentType = 'application/json') => {
    const response = await undiciFetch(`${base}${path}`, {
      method,
      dispatcher,
      headers: { 'content-type': contentType },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  return {
    /** What the monitor connects with, as JSON (the monitor parses a copy per cluster). */
    endpoint: JSON.stringify(endpoint),
    createNode: (node) => call('POST', '/api/v1/nodes', node),
    patchNodeStatus: (name, status) =>
      call('PATCH', `/api/v1/nodes/${name}/status`, { status }, 'application/merge-patch+json'),
  };
}

/** A process's peak RSS in bytes since it started or since its peak was last reset. */
function peakRss(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return Number(line[1]) * 1024;
}

/** Where each cluster's nodes are: its share of the API servers, its own label. */
function benchConnector() {
  const endpoints = JSON.parse(process.env.BENCH_ENDPOINTS);
  return {
    connect: async (cluster) => {
      // Each tenant cluster has credentials of its own: a parsed copy per cluster, as a
      // connector reading each cluster's kubeconfig would hold.
      const endpoint = JSON.parse(endpoints[serverOf(cluster.name)]);
      return { endpoint: async () => endpoint, labelSelector: `${CLUSTER_LABEL}=${cluster.id}` };
    },
  };
}

const memory = () => {
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heap: heapUsed, external };
};

/** Sends the process's figures to the bench every 500 ms, and acts on its messages. */
function reportToBench({ monitor, nodeEvents, warnings, base, stop }) {
  const report = async () => {
    process.send({
      type: 'stats',
      at: Date.now(),
      base: base(),
      cpu: process.cpuUsage(),
      ...memory(),
      watched: monitor.watchedClusterIds().length,
      synced: monitor.syncedClusterCount(),
      events: await nodeEvents(),
      warnings: warnings(),
    });
  };
  globalThis.setInterval(() => void report(), 500);
  process.on('message', (m) => {
    if (m === 'gc' && globalThis.gc) {
      // As the worker's own release after a burst does (src/common/release-memory.ts).
      globalThis.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      if (process.env.BENCH_HEAP_SNAPSHOT) v8.writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
      void report();
    }
    if (m === 'stop') void stop().then(() => process.exit(0));
  });
  return report;
}

/** A whole `kaas worker` or `kaas monitor`: only the tenant connector is the bench's. */
async function kaasChild() {
  const { loadConfig } = await import('../dist/config/config.js');
  const { TENANT_CONNECTOR } = await import('../dist/health/tenant-connector.js');
  const { REPAIR_REQUESTER } = await import('../dist/health/repair-port.js');
  const { MachineRepairs } = await import('../dist/reconcilers/machine-repairs.js');
  const { HealthMonitorHost } = await import('../dist/health/health-monitor.host.js');
  const { MetricsService } = await import('../dist/metrics/metrics.service.js');
  const start =
    opts.process === 'worker'
      ? async (config, options) =>
          (await import('../dist/server.js')).startServer('worker', config, undefined, options)
      : async (config, options) =>
          (await import('../dist/monitor/monitor.js')).startMonitor(config, options);
  const server = await start(loadConfig(), {
    overrides: [
      { provide: TENANT_CONNECTOR, useValue: benchConnector() },
      {
        // The process's own requester (a Repair Operation each), telling the bench when it asked.
        provide: REPAIR_REQUESTER,
        inject: [MachineRepairs],
        useFactory: (repairs) => ({
          requestRepair: async (request) => {
            const at = Date.now();
            const { answer } = await repairs.request(request);
            process.send({ type: 'repair', at, request, answer });
            return answer;
          },
        }),
      },
    ],
  });
  const monitor = server.app.get(HealthMonitorHost).monitor;
  const registry = server.app.get(MetricsService).registry;
  // Started, and past the release of what starting left behind (2 s after it, by default).
  await sleep(3_000);
  const base = process.memoryUsage().rss;
  const report = reportToBench({
    monitor,
    nodeEvents: async () =>
      (await registry.getSingleMetric('kaas_health_node_events_total').get()).values[0]?.value ?? 0,
    warnings: () => 0,
    base: () => base,
    stop: () => server.close(),
  });
  console.log(
    `${opts.process}: started, ${fmt(base / 2 ** 20, 0)} MiB (process up ${fmt(process.uptime(), 1)} s)`,
  );
  await report();
}

/** The health monitor alone: its repository, PostgreSQL and the watches. */
async function watchesChild() {
  const { openDatabase } = await import('../dist/persistence/database.js');
  const { ClusterHealthRepository } =
    await import('../dist/persistence/cluster-health.repository.js');
  const { HealthMonitor } = await import('../dist/health/health-monitor.js');
  const { HealthMetrics } = await import('../dist/health/health-metrics.js');
  const { Registry } = await import('prom-client');
  const database = await openDatabase({
    url: process.env.KAAS_DATABASE_URL,
    migrate: false,
    poolSize: 4,
  });
  const metrics = new HealthMetrics(new Registry());
  let warnings = 0;
  let base = 0;
  const monitor = new HealthMonitor(
    new ClusterHealthRepository(database.db),
    benchConnector(),
    {
      requestRepair: async (request) => {
        process.send({ type: 'repair', at: Date.now(), request, answer: 'accepted' });
        return 'accepted';
      },
    },
    metrics,
    { monitorId: process.env.BENCH_MONITOR_ID },
    {
      log: () => undefined,
      warn: (message, context) => {
        if (warnings++ < 5) console.error(`monitor: ${message} ${JSON.stringify(context)}`);
      },
    },
  );
  const report = reportToBench({
    monitor,
    nodeEvents: async () => (await metrics.nodeEvents.get()).values[0]?.value ?? 0,
    warnings: () => warnings,
    base: () => base,
    stop: () => monitor.stop().then(() => database.close()),
  });
  // The process with everything loaded and the database open, before its first watch.
  globalThis.gc?.();
  base = process.memoryUsage().rss;
  const t0 = Date.now();
  await monitor.start();
  console.log(
    `monitor: started in ${fmt((Date.now() - t0) / 1000, 1)} s (process up ${fmt(process.uptime(), 1)} s)`,
  );
  await report();
}

async function startServers() {
  const { Kwokctl } = await import('../dist/providers/kwok/kwokctl.js');
  const { KubernetesTools } = await import('../dist/providers/kwok/kubernetes-tools.js');
  const workdir = mkdtempSync(join(tmpdir(), 'kaas-bench-health-'));
  const kwokctl = new Kwokctl(new KubernetesTools(), workdir);
  onCleanup(async () => rmSync(workdir, { recursive: true, force: true }));
  const kubeconfigs = [];
  for (let s = 0; s < opts.servers; s++) {
    const name = `bench-${s}`;
    onCleanup(() => kwokctl.delete(name));
    await kwokctl.create(name, VERSION, 180_000, API_SERVER_ONLY);
    const pki = join(kwokctl.clusterDir(name), 'pki');
    kubeconfigs.push([
      kwokctl.kubeconfig(name),
      {
        certPem: readFileSync(join(pki, 'ca.crt'), 'utf8'),
        keyPem: readFileSync(join(pki, 'ca.key'), 'utf8'),
      },
    ]);
  }
  return Promise.all(kubeconfigs.map(([kubeconfig, ca]) => apiServer(kubeconfig, ca)));
}

async function seedDatabase(url) {
  const { openDatabase } = await import('../dist/persistence/database.js');
  const { repositories } = await import('../dist/persistence/repositories.js');
  const { uuidv7 } = await import('../dist/domain/ids.js');
  const { clusterSpecSchema, initialStatus } = await import('../dist/domain/cluster.js');
  const handle = await openDatabase({ url });
  const repos = repositories(handle.db);
  const project = await repos.projects.insert({
    id: uuidv7(),
    name: 'bench',
    displayName: 'bench',
    quotaClusters: opts.clusters,
    quotaNodes: opts.clusters * opts.nodes,
  });
  const spec = clusterSpecSchema.parse({
    provider: 'fake',
    nodePools: [{ name: 'w', replicas: opts.nodes }],
    autoRepair: { notReadyTimeoutSeconds: opts.timeout },
  });
  const clusters = [];
  for (let i = 0; i < opts.clusters; i++) {
    const cluster = await repos.clusters.insert({
      id: uuidv7(),
      projectId: project.id,
      name: `c${i}`,
      spec,
      status: initialStatus(),
    });
    const machines = Array.from({ length: opts.nodes }, (_, j) => ({
      id: uuidv7(),
      clusterId: cluster.id,
      name: `c${i}-w-${j}`,
      role: 'worker',
      pool: 'w',
      phase: 'Running',
      nodeName: `c${i}-w-${j}`,
      version: VERSION,
    }));
    await repos.machines.insertMany(machines);
    clusters.push({ id: cluster.id, name: cluster.name, machines, workers: machines });
  }
  await handle.close();
  return clusters;
}

async function createNodes(servers, clusters) {
  const since = new Date(Date.now() - 3600_000);
  const items = clusters.flatMap((c) => c.machines.map((m) => ({ c, m })));
  await pool(items, 32, async ({ c, m }) => {
    const server = servers[serverOf(c.name)];
    const created = await server.createNode({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: m.nodeName, labels: { [CLUSTER_LABEL]: c.id, type: 'kwok' } },
      spec: { providerID: `kwok://${c.id}/${m.nodeName}` },
      status: { conditions: [readyCondition('True', since)] },
    });
    // Where the server drops status on create, set it as a kubelet would.
    if (!created.status?.conditions?.length)
      await server.patchNodeStatus(m.nodeName, { conditions: [readyCondition('True', since)] });
  });
  return since;
}

/** Nodes whose kubelet the bench stopped: no more heartbeats from them. */
const dead = new Set();

/** Kubelet-like status updates: each live node's heartbeat in turn, `rate` per second. */
function startChurn(servers, clusters, since, rate) {
  const nodes = clusters.flatMap((c) => c.machines.map((m) => ({ c, m })));
  let next = 0;
  let stopped = false;
  let sent = 0;
  let failed = 0;
  const done = (async () => {
    const t0 = Date.now();
    while (!stopped && rate > 0) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate) - sent;
      const batch = [];
      for (let k = 0; k < due; k++) {
        const node = nodes[next++ % nodes.length];
        if (!dead.has(node.m.nodeName)) batch.push(node);
      }
      sent += batch.length;
      await pool(batch, 16, ({ c, m }) =>
        servers[serverOf(c.name)]
          .patchNodeStatus(m.nodeName, { conditions: [readyCondition('True', since)] })
          .then(
            () => undefined,
            () => failed++,
          ),
      );
      await sleep(100);
    }
  })();
  return {
    sent: () => sent,
    failed: () => failed,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** The measured process: `env` is its kaas configuration. */
function startChild(endpoints, env, monitorId) {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', '--process', opts.process], {
    env: {
      ...process.env,
      ...env,
      BENCH_ENDPOINTS: JSON.stringify(endpoints),
      BENCH_MONITOR_ID: monitorId,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...(opts.semi > 0 ? [`--max-semi-space-size=${opts.semi}`] : []), '--expose-gc'],
  });
  // sampledPeak: the largest RSS the process reported (every 0.5 s) since the last reset.
  const state = { stats: undefined, repairs: [], sampledPeak: 0 };
  proc.on('message', (m) => {
    if (m.type === 'stats') {
      state.stats = m;
      state.sampledPeak = Math.max(state.sampledPeak, m.rss);
    } else if (m.type === 'repair') state.repairs.push(m);
  });
  onCleanup(async () => {
    if (proc.exitCode !== null) return;
    proc.send('stop');
    await Promise.race([new Promise((r) => proc.on('exit', r)), sleep(15_000)]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });
  state.gc = () => proc.send('gc');
  /**
   * The process's peak so far (the kernel's); from now on the peak is the largest RSS sampled.
   * The kernel's own can only be reset to the RSS of the moment, which right after a burst is
   * still the burst's.
   */
  state.resetPeak = () => {
    const peak = peakRss(proc.pid);
    state.sampledPeak = 0;
    return peak;
  };
  return state;
}

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Per monitor over `seconds`: the largest CPU share of one core and RSS among them. */
async function sample(states, seconds) {
  const before = states.map((state) => state.stats);
  await sleep(seconds * 1000);
  const each = states.map((state, i) => {
    const a = before[i];
    const b = state.stats;
    const cpuMs = (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / 1000;
    return {
      cpu: cpuMs / (b.at - a.at),
      rss: b.rss,
      heap: b.heap,
      external: b.external,
      maxRss: state.sampledPeak,
      eventsPerSecond: ((b.events - a.events) * 1000) / (b.at - a.at),
    };
  });
  const largest = (key) => Math.max(...each.map((e) => e[key]));
  return {
    cpu: largest('cpu'),
    rss: largest('rss'),
    heap: largest('heap'),
    external: largest('external'),
    maxRss: largest('maxRss'),
    eventsPerSecond: each.reduce((sum, e) => sum + e.eventsPerSecond, 0),
  };
}

async function injectFaults(servers, clusters, states) {
  const repairs = () => states.flatMap((state) => state.repairs);
  const picked = [];
  const step = Math.max(1, Math.floor(clusters.length / opts.faults));
  for (let k = 0; k < opts.faults; k++) {
    const c = clusters[(k * step + 7) % clusters.length];
    picked.push({ c, m: c.workers[k % c.workers.length] });
  }
  const faults = [];
  for (const { c, m } of picked) {
    dead.add(m.nodeName);
    const at = new Date();
    await servers[serverOf(c.name)].patchNodeStatus(m.nodeName, {
      conditions: [readyCondition('False', at, at)],
    });
    faults.push({ machineId: m.id, at: at.getTime() });
    await sleep(1000);
  }
  await until(
    () => faults.every((f) => repairs().some((r) => r.request.machineId === f.machineId)),
    (opts.timeout + 60) * 1000,
    'every repair request',
  ).catch((error) => {
    const seen = new Set(repairs().map((r) => r.request.machineId));
    const missing = faults.filter((f) => !seen.has(f.machineId)).map((f) => f.machineId);
    throw new Error(`${error.message}: no request for ${missing.join(', ')}`);
  });
  return faults.map((f) => {
    const repair = repairs().find((r) => r.request.machineId === f.machineId);
    // The API keeps transition times to the second: the policy's clock starts at that second.
    const reported = Math.floor(f.at / 1000) * 1000;
    return {
      delay: (repair.at - f.at) / 1000,
      overshoot: (repair.at - reported) / 1000 - opts.timeout,
      reason: repair.request.reason,
    };
  });
}

/** Heartbeats for the monitors about to start, as if they were already running. */
async function registerMonitors(url, ids) {
  const { openDatabase } = await import('../dist/persistence/database.js');
  const { ClusterHealthRepository } =
    await import('../dist/persistence/cluster-health.repository.js');
  const handle = await openDatabase({ url, migrate: false });
  try {
    const store = new ClusterHealthRepository(handle.db);
    for (const id of ids) await store.heartbeat(id, 30);
  } finally {
    await handle.close();
  }
}

/** Clusters written to the database, their nodes created, then the monitor processes. */
async function setUpWatches(servers, database, endpoints) {
  let t = Date.now();
  const clusters = await seedDatabase(database.url);
  console.log(
    `setup: API servers and ${opts.clusters} clusters in the database in ${fmt((Date.now() - t) / 1000, 1)} s`,
  );
  t = Date.now();
  const since = await createNodes(servers, clusters);
  console.log(
    `setup: ${opts.clusters * opts.nodes} nodes created in ${fmt((Date.now() - t) / 1000, 1)} s`,
  );

  t = Date.now();
  const ids = Array.from({ length: opts.monitors }, (_, i) => `bench-monitor-${i}`);
  // As workers already running: each monitor sees the others from its first discovery, rather
  // than watching everything until their heartbeats appear.
  await registerMonitors(database.url, ids);
  const states = ids.map((id) => startChild(endpoints, { KAAS_DATABASE_URL: database.url }, id));
  await untilWatched(states, t);
  return { states, clusters, since };
}

/**
 * A `kaas api` and the measured worker (or an unmeasured worker and the measured monitor); the
 * clusters created through the API, which the worker provisions on the fake provider; then
 * their nodes on the API servers.
 */
async function setUpKaas(servers, database, endpoints) {
  let t = Date.now();
  const env = {
    KAAS_DATABASE_URL: database.url,
    KAAS_QUEUE_PREFIX: uniqueId('kaasbench'),
    KAAS_FAKE_BOOT_SECONDS: '0',
    KAAS_FAKE_DELETE_SECONDS: '0',
    KAAS_QUOTA_CLUSTERS: String(opts.clusters),
    KAAS_QUOTA_NODES: String(opts.clusters * opts.nodes),
  };
  // The api runs the migrations before the others start.
  const api = await startKaas('api', env);
  // Where a monitor watches, the worker does not (as it would be deployed).
  if (opts.process === 'monitor')
    await startKaas('worker', { ...env, KAAS_WORKER_HEALTH_MONITOR: 'false' });
  const state = startChild(
    endpoints,
    { ...env, KAAS_HOST: '127.0.0.1', KAAS_PORT: String(await freePort()), KAAS_LOG_LEVEL: 'warn' },
    `bench-${opts.process}`,
  );
  await until(() => state.stats, 120_000, `the ${opts.process} to start`);
  console.log(
    `setup: API server, kaas api and kaas worker${opts.process === 'monitor' ? ' and kaas monitor' : ''} in ${fmt((Date.now() - t) / 1000, 1)} s; ` +
      `the ${opts.process} idles at ${fmt(state.stats.base / 2 ** 20, 0)} MiB`,
  );

  t = Date.now();
  const kaas = client(api.url);
  const spec = {
    provider: 'fake',
    controlPlane: { replicas: 1 },
    nodePools: [{ name: 'w', replicas: opts.nodes - 1 }],
    autoRepair: { notReadyTimeoutSeconds: opts.timeout },
  };
  const names = Array.from({ length: opts.clusters }, (_, i) => `c${i}`);
  await pool(names, 16, (name) => kaas.createCluster(name, spec));
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  onCleanup(() => db.end());
  const deadline = Date.now() + 900_000;
  for (;;) {
    const { rows } = await db.query(
      `select count(*)::int as n from clusters where deleted_at is null and status->>'phase' = 'Running'`,
    );
    if (rows[0].n === opts.clusters) break;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} of ${opts.clusters} clusters Running`);
    await sleep(1_000);
  }
  console.log(
    `setup: ${opts.clusters} clusters of ${opts.nodes} machines created through the API and ` +
      `provisioned by the worker in ${fmt((Date.now() - t) / 1000, 1)} s`,
  );
  const { rows } = await db.query(
    `select c.id as cluster_id, c.name as cluster_name, m.id, m.node_name, m.role
       from machines m join clusters c on c.id = m.cluster_id
      where m.deleted_at is null and c.deleted_at is null order by c.name, m.name`,
  );
  const byId = new Map();
  for (const row of rows) {
    let c = byId.get(row.cluster_id);
    if (!c)
      byId.set(
        row.cluster_id,
        (c = { id: row.cluster_id, name: row.cluster_name, machines: [], workers: [] }),
      );
    const machine = { id: row.id, nodeName: row.node_name };
    c.machines.push(machine);
    if (row.role === 'worker') c.workers.push(machine);
  }
  const clusters = [...byId.values()];
  t = Date.now();
  const since = await createNodes(servers, clusters);
  console.log(`setup: ${rows.length} nodes created in ${fmt((Date.now() - t) / 1000, 1)} s`);
  await untilWatched([state], t);
  return { states: [state], clusters, since };
}

async function untilWatched(states, t) {
  const stats = () => states.map((state) => state.stats);
  await until(
    () =>
      stats().every(Boolean) &&
      stats().reduce((sum, s) => sum + s.synced, 0) === opts.clusters &&
      stats().reduce((sum, s) => sum + s.watched, 0) === opts.clusters,
    300_000,
    'every cluster watched by one monitor and synced',
  );
  console.log(
    `${opts.process}: ${opts.clusters} watches listed and watching ${fmt((Date.now() - t) / 1000, 1)} s after ` +
      (KAAS_PROCESS ? 'the nodes were created' : 'start') +
      (states.length > 1
        ? ` (per monitor: ${stats()
            .map((s) => s.watched)
            .join(', ')})`
        : ''),
  );
}

async function main() {
  const total = opts.clusters * opts.nodes;
  const churn = opts.churn >= 0 ? opts.churn : total / 300;
  const measured = KAAS_PROCESS
    ? `one kaas ${opts.process}`
    : `${opts.monitors} process(es) of bare watches`;
  console.log(
    `health monitor: ${opts.clusters} clusters × ${opts.nodes} nodes = ${total} nodes on ` +
      `${opts.servers} API server(s), ${measured}; NotReady timeout ${opts.timeout} s; churn ${fmt(churn, 0)} status updates/s; ` +
      `${opts.semi > 0 ? `--max-semi-space-size=${opts.semi}` : 'V8 defaults'}`,
  );
  const servers = await startServers();
  const database = await createDatabase();
  const endpoints = servers.map((s) => s.endpoint);
  const { states, clusters, since } = KAAS_PROCESS
    ? await setUpKaas(servers, database, endpoints)
    : await setUpWatches(servers, database, endpoints);
  const stats = () => states.map((state) => state.stats);

  const churning = startChurn(servers, clusters, since, churn);
  await sleep(5_000);
  // From here the peak is the largest RSS sampled while it watches; the process's peak before
  // (start-up, provisioning, the burst of connecting) is printed apart.
  const startPeaks = states.map((state) => state.resetPeak());
  const rest = await sample(states, opts.settle);
  console.log(
    `at rest (${opts.settle} s): CPU ${fmt(rest.cpu * 100, 1)} % of a core, RSS ${fmt(rest.rss / 2 ** 20, 0)} MiB ` +
      `(peak ${fmt(rest.maxRss / 2 ** 20, 0)} MiB; JS heap ${fmt(rest.heap / 2 ** 20, 0)} MiB, external ${fmt(rest.external / 2 ** 20, 0)} MiB), ` +
      `${fmt(rest.eventsPerSecond, 0)} node events/s`,
  );
  const faultSample = sample(states, opts.faults + opts.timeout + 2);
  const results = await injectFaults(servers, clusters, states);
  const busy = await faultSample;
  await churning.stop();
  const delays = results.map((r) => r.delay);
  const overshoots = results.map((r) => r.overshoot);
  console.log(
    `faults: ${results.length} NotReady nodes → ${results.length} requests (${[...new Set(results.map((r) => r.reason))].join(', ')}); ` +
      `fault → request median ${fmt(median(delays))} s, max ${fmt(Math.max(...delays))} s; ` +
      `past the timeout (from the reported transition second) median ${fmt(median(overshoots))} s, max ${fmt(Math.max(...overshoots))} s`,
  );
  console.log(
    `during faults: CPU ${fmt(busy.cpu * 100, 1)} % of a core, RSS ${fmt(busy.rss / 2 ** 20, 0)} MiB (peak ${fmt(busy.maxRss / 2 ** 20, 0)} MiB); ` +
      `monitor warnings ${stats().reduce((sum, s) => sum + s.warnings, 0)}; churn sent ${churning.sent()} updates (${churning.failed()} failed)`,
  );
  for (const state of states) state.gc();
  await sleep(1000);
  const largest = (key) => Math.max(...stats().map((s) => s[key]));
  console.log(
    `after a full GC: RSS ${fmt(largest('rss') / 2 ** 20, 0)} MiB, JS heap ${fmt(largest('heap') / 2 ** 20, 0)} MiB ` +
      `(what the watches and their state retain)`,
  );
  if (opts.monitors === 1) {
    const [{ base, rss: after, watched }] = stats();
    console.log(
      `before its first watch the ${KAAS_PROCESS ? `${opts.process}'s` : "watches'"} process was at ${fmt(base / 2 ** 20, 0)} MiB: ` +
        `${fmt((after - base) / watched / 1024, 0)} KB per watched cluster after the full GC`,
    );
  }
  console.log(
    `peak RSS before the measurement (starting, ${opts.process === 'worker' ? 'provisioning the clusters, ' : ''}` +
      `connecting the watches, their first 5 s): ${fmt(Math.max(...startPeaks) / 2 ** 20, 0)} MiB`,
  );
  goal(
    'detection',
    `timeout + ${fmt(Math.max(...overshoots))} s`,
    Math.max(...overshoots) <= 5,
    'timeout + 5 s',
  );
  const cpu = Math.max(rest.cpu, busy.cpu);
  const rss = Math.max(rest.maxRss, busy.maxRss);
  if (!KAAS_PROCESS) {
    // The goals are for a kaas process watching every cluster; these are the watches alone.
    console.log(
      `watches alone${opts.monitors > 1 ? `, per process (largest of ${opts.monitors})` : ''} (no goal): ` +
        `CPU ${fmt(cpu * 100, 1)} % of a core, RSS (peak) ${fmt(rss / 2 ** 20, 0)} MiB`,
    );
    return;
  }
  goal(`${opts.process} CPU`, `${fmt(cpu * 100, 1)} % of a core`, cpu <= 0.5, '≤ 50 %');
  // 300 MB is 286 MiB.
  goal(
    `${opts.process} RSS (peak while watching)`,
    `${fmt(rss / 2 ** 20, 0)} MiB (${fmt(rss / 1e6, 0)} MB)`,
    rss <= 300e6,
    '≤ 300 MB',
  );
}

if (opts.child) await (KAAS_PROCESS ? kaasChild() : watchesChild());
else run(main);
