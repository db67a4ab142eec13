import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/persistence/database.js';
import { repositories } from '../../src/persistence/repositories.js';
import { decryptSecret, KeyRing } from '../../src/security/envelope.js';
import { createTestDatabase } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { uniquePrefix } from '../support/factories.js';
import { eventually, httpClient } from '../support/http.js';
import {
  DEMO,
  registerVersionImages,
  requireTestbed,
  TESTBED_AUTH_URL,
} from '../support/openstack.js';
import { startKaas, type KaasProcess } from '../support/process.js';
import { secretForms } from '../support/secret-forms.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const kek = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/**
 * The service runs at its most talkative log level through everything that handles secret
 * material — a cloud registered with its password (and one refused), an OpenStack cluster
 * made (CA keys, bootstrap token, user data), its kubeconfig fetched, the keys rotated, the
 * cluster deleted — and not one secret appears in anything the processes printed.
 */
describe('secrets never reach the logs', () => {
  const TOKEN = `kaas_${randomBytes(30).toString('base64url')}`;
  const OLD = kek('logs-old-1');
  const NEW = kek('logs-new-2');
  const WRONG_PASSWORD = `wrong-${randomBytes(12).toString('hex')}`;
  const printed: string[] = [];
  let databaseUrl: string;
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  let api: KaasProcess | undefined;
  let worker: KaasProcess | undefined;

  async function start(overrides: Record<string, string> = {}) {
    env = { ...env, ...overrides };
    api = await startKaas('api', env);
    worker = await startKaas('worker', env);
  }

  async function stop() {
    for (const process of [worker, api]) {
      await process?.kill('SIGTERM');
      printed.push(process?.output() ?? '');
    }
  }

  // Images for the versions kaas runs: the testbed's own is for Kubernetes 1.30.
  let images: Awaited<ReturnType<typeof registerVersionImages>>;

  beforeAll(async () => {
    await requireTestbed();
    images = await registerVersionImages();
    const db = await createTestDatabase();
    databaseUrl = db.url;
    drop = db.drop;
    env = {
      KAAS_DATABASE_URL: db.url,
      KAAS_REDIS_URL: TEST_REDIS_URL,
      KAAS_QUEUE_PREFIX: uniquePrefix(),
      KAAS_BOOTSTRAP_TOKEN: TOKEN,
      KAAS_LOG_LEVEL: 'trace',
      KAAS_PROVIDERS: 'fake,openstack',
      KAAS_KEK: OLD,
      KAAS_RETRY_MAX_SECONDS: '2',
      KAAS_OPENSTACK_NODE_JOIN_TIMEOUT_SECONDS: '3',
    };
    await start();
  }, 120_000);

  afterAll(async () => {
    await images?.remove();
    await stop();
    await drop?.();
  });

  /** Runs `kaas rotate-keys` as an operator would; what it prints is kept with the rest. */
  function rotateKeys(): Promise<number> {
    return new Promise((resolve) =>
      execFile(
        process.execPath,
        [MAIN, 'rotate-keys'],
        { env: { ...process.env, ...env, KAAS_KEK: NEW, KAAS_KEK_PREVIOUS: OLD }, timeout: 60_000 },
        (error, stdout, stderr) => {
          printed.push(stdout, stderr);
          resolve(error ? Number(error.code ?? 1) : 0);
        },
      ),
    );
  }

  /** The cluster's secrets as the database holds them, opened with the KEK. */
  async function clusterSecrets(clusterId: string): Promise<string[]> {
    const database = await openDatabase({ url: databaseUrl });
    try {
      const secrets = repositories(database.db).clusterSecrets;
      const keyRing = KeyRing.parse(OLD);
      const opened: string[] = [];
      for (const name of ['pki', 'bootstrap-token']) {
        const stored = await secrets.find(clusterId, name);
        expect({ name, stored: stored !== undefined }).toEqual({ name, stored: true });
        opened.push(decryptSecret(stored!, keyRing, { context: `cluster/${clusterId}/${name}` }));
      }
      return opened;
    } finally {
      await database.close();
    }
  }

  it('prints no password, token, private key or KEK while it registers a cloud, makes, reads, re-keys and deletes a cluster', async () => {
    // The processes are restarted half-way: every call goes to the API running then.
    const request: ReturnType<typeof httpClient> = (...args) =>
      httpClient(api!.url, TOKEN)(...args);
    const refused = await request('POST', '/v1/clouds', {
      body: {
        name: 'refused',
        authUrl: TESTBED_AUTH_URL,
        credentials: { ...DEMO, password: WRONG_PASSWORD },
      },
    });
    expect(refused.status).toBe(422);
    const cloud = await request('POST', '/v1/clouds', {
      body: { name: 'testbed', authUrl: TESTBED_AUTH_URL, credentials: DEMO },
    });
    expect(cloud.status).toBe(201);
    expect((await request('POST', '/v1/projects', { body: { name: 'logs' } })).status).toBe(201);
    expect((await request('PUT', '/v1/clouds/testbed/grants/logs')).status).toBe(204);

    const created = await request('POST', '/v1/projects/logs/clusters', {
      body: {
        name: 'quiet',
        spec: {
          provider: 'openstack',
          controlPlane: { replicas: 1, flavor: 'm1.small' },
          nodePools: [{ name: 'w', replicas: 1, flavor: 'm1.small' }],
          openstack: { cloud: 'testbed', image: images.template },
        },
      },
    });
    expect(created.status).toBe(202);
    const clusterId: string = created.body.clusterId;
    const settled = (id: string) =>
      eventually(
        () => request('GET', `/v1/projects/logs/operations/${id}`),
        (a) => ['Succeeded', 'Failed'].includes(a.body.status),
        300_000,
      );
    // The servers never run kubeadm: the create ends at NodesNotJoined, its user data sent.
    expect((await settled(created.body.id)).body.error?.reason).toBe('NodesNotJoined');
    const kubeconfigs = [
      (await request('GET', '/v1/projects/logs/clusters/quiet/kubeconfig')).body.kubeconfig,
    ];
    const material = await clusterSecrets(clusterId);

    expect(await rotateKeys()).toBe(0);
    await stop();
    await start({ KAAS_KEK: NEW, KAAS_KEK_PREVIOUS: OLD });
    kubeconfigs.push(
      (await request('GET', '/v1/projects/logs/clusters/quiet/kubeconfig')).body.kubeconfig,
    );
    const deleted = await request('DELETE', '/v1/projects/logs/clusters/quiet');
    expect(deleted.status).toBe(202);
    expect((await settled(deleted.body.id)).body.status).toBe('Succeeded');
    await stop();
    api = worker = undefined;

    const logs = printed.join('\n');
    const secrets: Record<string, string[]> = {
      'bootstrap API token': secretForms(TOKEN),
      'cloud password': secretForms(DEMO.password),
      'refused cloud password': secretForms(WRONG_PASSWORD),
      'old KEK': secretForms(OLD.split(':')[1]!),
      'new KEK': secretForms(NEW.split(':')[1]!),
      ...Object.fromEntries(
        material.map((m, i) => [i === 0 ? 'cluster PKI' : 'join token', secretForms(m)]),
      ),
      ...Object.fromEntries(
        kubeconfigs.map((k: string, i) => [`kubeconfig ${i + 1} client key`, clientKeyForms(k)]),
      ),
    };
    for (const forms of Object.values(secrets)) expect(forms.length).toBeGreaterThan(0);
    const found = Object.entries(secrets)
      .filter(([, forms]) => forms.some((f) => logs.includes(f)))
      .map(([name]) => name);
    expect(found).toEqual([]);
    // The logs were real, so the search was not of nothing: requests were logged, with no
    // header in them (the access log keeps id, method, url and address) and so no token.
    expect(logs).toMatch(/"url":"\/v1\/projects\/logs\/clusters"/);
    expect(logs).not.toMatch(/"authorization":"(?!\[redacted\])/i);
  });
});

/** The kubeconfig's client key, as the base64 it is given in and as its PEM. */
function clientKeyForms(kubeconfig: string): string[] {
  const data = /client-key-data: (\S+)/.exec(kubeconfig)?.[1];
  expect(data).toBeDefined();
  return [...secretForms(data!), ...secretForms(Buffer.from(data!, 'base64').toString('utf8'))];
}
