import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { embeddedKaasEnv, freePort, startKaas, type KaasProcess } from '../support/process.js';
import { ADMIN_TOKEN } from '../support/factories.js';
import {
  mergeKubeconfig,
  parseKubeconfig,
  readKubeconfigFile,
  renameEntries,
  writeKubeconfigFile,
} from '../../src/cli/kubeconfig-merge.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The compiled kaasctl driven as a subprocess against the real service (embedded database,
 * fake provider), with its own HOME and config file so nothing of the user's is touched.
 */
describe('kaasctl against the real service', () => {
  let kaas: KaasProcess;
  let home: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kaas-cli-data-'));
    home = mkdtempSync(join(tmpdir(), 'kaas-cli-home-'));
    kaas = await startKaas('all', embeddedKaasEnv(dataDir));
  }, 90_000);

  afterAll(async () => {
    await kaas?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs `node dist/cli/main.js ...args` with a private HOME and config file. */
  function kaasctl(...args: string[]): Promise<Run> {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        ...process.env,
        HOME: home,
        KAASCTL_CONFIG: join(home, 'kaasctl.yaml'),
        KAASCTL_POLL_MS: '100',
        KUBECONFIG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('stores a context and makes it current', async () => {
    const set = await kaasctl(
      'config',
      'set-context',
      'e2e',
      '--server',
      kaas.url,
      '--token',
      ADMIN_TOKEN,
      '--project',
      'default',
    );
    expect(set.code).toBe(0);
    const contexts = await kaasctl('config', 'get-contexts');
    expect(contexts.stdout).toMatch(/\*\s+e2e\s+http:\/\/127\.0\.0\.1:\d+\s+default/);
    expect((await kaasctl('config', 'use-context', 'e2e')).code).toBe(0);
    expect((await kaasctl('config', 'use-context', 'missing')).code).toBe(2);
  });

  it('creates a cluster with pools and follows the operation with a progress bar', async () => {
    const run = await kaasctl(
      'clusters',
      'create',
      'cli',
      '--provider',
      'fake',
      '--pool',
      'workers=2',
      '--pool',
      'big=1:large',
      '--wait',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^operation \S+ Create Pending \(cluster cli\)/);
    expect(run.stderr).toMatch(/\[#+-*\]\s+\d+% Running/);
    expect(run.stderr).toMatch(/\[#{30}\] 100% Succeeded/);
    expect(run.stderr).toMatch(/operation \S+ Succeeded/);
  });

  it('lists clusters as a table, as JSON and as YAML', async () => {
    const table = await kaasctl('clusters', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+PROVIDER\s+VERSION\s+PHASE\s+NODES\s+AGE\n/);
    expect(table.stdout).toMatch(/cli\s+fake\s+\S+\s+Running\s+4\/4/);

    const json = JSON.parse((await kaasctl('clusters', 'list', '-o', 'json')).stdout) as any[];
    expect(json).toEqual([
      expect.objectContaining({
        name: 'cli',
        spec: expect.objectContaining({
          provider: 'fake',
          nodePools: [
            expect.objectContaining({ name: 'workers', replicas: 2 }),
            expect.objectContaining({ name: 'big', replicas: 1, flavor: 'large' }),
          ],
        }),
      }),
    ]);
    const yaml = parse((await kaasctl('clusters', 'list', '--output', 'yaml')).stdout) as any[];
    expect(yaml[0]).toMatchObject({ name: 'cli', status: { phase: 'Running' } });
  });

  it('gets one cluster', async () => {
    const run = await kaasctl('clusters', 'get', 'cli', '-o', 'json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'cli', project: 'default' });
  });

  it('scales a pool with --wait and shows the machines', async () => {
    const scale = await kaasctl('clusters', 'scale', 'cli', 'workers', '3', '--wait');
    expect(scale.code).toBe(0);
    expect(scale.stdout).toMatch(/operation \S+ Scale/);
    expect(scale.stderr).toMatch(/100% Succeeded/);

    const all = await kaasctl('machines', 'list', 'cli');
    expect(all.stdout.trim().split('\n')).toHaveLength(1 + 5); // header, cp, 3 workers, 1 big
    const pool = await kaasctl('machines', 'list', 'cli', '--pool', 'workers', '-o', 'json');
    const machines = JSON.parse(pool.stdout) as any[];
    expect(machines).toHaveLength(3);
    expect(machines.every((m) => m.pool === 'workers' && m.phase === 'Running')).toBe(true);
  });

  it('lists, gets and watches operations', async () => {
    const list = await kaasctl('operations', 'list', '--cluster', 'cli', '-o', 'json');
    const operations = JSON.parse(list.stdout) as any[];
    expect(operations.map((o) => `${o.type}:${o.status}`).sort()).toEqual([
      'Create:Succeeded',
      'Scale:Succeeded',
    ]);
    const succeeded = await kaasctl('operations', 'list', '--status', 'Succeeded');
    expect(succeeded.stdout).toMatch(/^ID\s+TYPE\s+CLUSTER\s+STATUS/);

    const id = operations[0].id as string;
    const get = await kaasctl('operations', 'get', id);
    expect(get.code).toBe(0);
    expect(get.stdout).toContain(id);
    expect(get.stdout).toMatch(/STEPS\n\s+\S+\s+Done/);

    const watch = await kaasctl('operations', 'watch', id);
    expect(watch.code).toBe(0);
    expect(watch.stderr).toMatch(/100% Succeeded/);
  });

  it('patches with --set and from a file, and shows the 422 of a downgrade', async () => {
    const set = await kaasctl('clusters', 'patch', 'cli', '--set', 'spec.labels.team=ml', '--wait');
    expect(set.code).toBe(0);
    const file = join(home, 'patch.yaml');
    writeFileSync(file, 'spec:\n  deletionProtection: false\n  labels:\n    tier: gold\n');
    expect((await kaasctl('clusters', 'patch', 'cli', '-f', file, '--wait')).code).toBe(0);
    const cluster = JSON.parse((await kaasctl('clusters', 'get', 'cli', '-o', 'json')).stdout);
    expect(cluster.spec.labels).toEqual({ team: 'ml', tier: 'gold' });

    const downgrade = await kaasctl('clusters', 'upgrade', 'cli', '1.36.3');
    expect(downgrade.code).toBe(1);
    expect(downgrade.stderr).toMatch(/^error: .+: .+\n/);
    expect(downgrade.stderr).toContain(
      '  spec.kubernetesVersion: cannot downgrade the control plane from 1.37.2 to 1.36.3',
    );
  });

  it('repairs a machine with --wait: it is replaced in its pool', async () => {
    const before = JSON.parse(
      (await kaasctl('machines', 'list', 'cli', '--pool', 'workers', '-o', 'json')).stdout,
    ) as { name: string }[];
    const victim = before[0]!.name;
    const run = await kaasctl(
      'machines',
      'repair',
      'cli',
      victim,
      '--reason',
      'bad disk',
      '--wait',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/operation \S+ Repair/);
    expect(run.stderr).toMatch(/100% Succeeded/);
    const after = JSON.parse(
      (await kaasctl('machines', 'list', 'cli', '--pool', 'workers', '-o', 'json')).stdout,
    ) as { name: string }[];
    expect(after).toHaveLength(before.length);
    expect(after.map((m) => m.name)).not.toContain(victim);
  });

  it('fails kubeconfig with exit 1 and the 409 message on a fake cluster', async () => {
    const run = await kaasctl('kubeconfig', 'cli', '--kubeconfig', join(home, 'kube', 'config'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Conflict: .*no kubeconfig/);
  });

  it('deletes with --yes --wait, and refuses without a terminal or --yes', async () => {
    const refused = await kaasctl('clusters', 'delete', 'cli');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);

    const run = await kaasctl('clusters', 'delete', 'cli', '--yes', '--wait');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/100% Succeeded/);
    expect(JSON.parse((await kaasctl('clusters', 'list', '-o', 'json')).stdout)).toEqual([]);
  });

  it('exits 3 when the watched operation is cancelled', async () => {
    const create = await kaasctl(
      'clusters',
      'create',
      'doomed',
      '--provider',
      'fake',
      '-o',
      'json',
    );
    const id = JSON.parse(create.stdout).id as string;
    const cancel = await kaasctl('operations', 'cancel', id);
    expect(cancel.code).toBe(0);
    const watch = await kaasctl('operations', 'watch', id);
    expect(watch.code).toBe(3);
    expect(watch.stderr).toMatch(new RegExp(`error: operation ${id} Cancelled`));
    expect((await kaasctl('clusters', 'delete', 'doomed', '--yes', '--wait')).code).toBe(0);
  });

  it('exits 1 with the problem on a 404', async () => {
    const run = await kaasctl('clusters', 'get', 'nope');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Not found: .*nope/);
  });

  it('lists the add-on catalogue', async () => {
    const run = await kaasctl('addons', 'list');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+AVAILABILITY\s+DEFAULT\s+VERSIONS/);
    expect(lines.find((l) => l.startsWith('load-balancer'))).toMatch(
      /available\s+1\.1\.0\s+1\.0\.0,1\.1\.0\s+always/,
    );
    expect(lines.find((l) => l.startsWith('ingress-v2'))).toMatch(
      /available\s+0\.1\.0\s+0\.1\.0\s+always/,
    );
    expect(lines.find((l) => l.startsWith('mltask'))).toMatch(
      /available\s+0\.1\.0\s+0\.1\.0\s+gpu-pools/,
    );
  });

  it('exits 2 on usage errors', async () => {
    expect((await kaasctl('clusters', 'bogus')).code).toBe(2);
    expect((await kaasctl('clusters', 'scale', 'cli', 'workers', 'many')).code).toBe(2);
    const pool = await kaasctl('clusters', 'create', 'x', '--provider', 'fake', '--pool', 'w');
    expect(pool.code).toBe(2);
    expect(pool.stderr).toMatch(/name=replicas/);
  });

  it('exits 4 when the server cannot be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await kaasctl('--server', url, 'clusters', 'list');
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`cannot reach ${url}`);
  });

  it('prints a bash completion script naming every subcommand', async () => {
    const run = await kaasctl('completion', 'bash');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('complete -F _kaasctl kaasctl');
    for (const word of ['clusters', 'operations', 'machines', 'kubeconfig', 'set-context']) {
      expect(run.stdout).toContain(word);
    }
    expect(run.stdout).toMatch(/"clusters create"\) echo "[^"]*--pool/);
  });
});

/** kubeconfig's merge, checked on files since the fake provider serves no kubeconfig. */
describe('kaasctl kubeconfig merging', () => {
  const served = (server: string) => `apiVersion: v1
kind: Config
clusters: [{ name: tenant, cluster: { server: '${server}' } }]
users: [{ name: admin, user: { token: secret } }]
contexts: [{ name: admin@tenant, context: { cluster: tenant, user: admin } }]
current-context: admin@tenant
`;

  it('adds kaas-<project>-<cluster> entries beside existing ones and replaces its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaas-cli-kube-'));
    const file = join(dir, 'nested', 'config');
    const other = parseKubeconfig(
      'clusters: [{ name: other, cluster: { server: "https://o" } }]\ncurrent-context: other\n',
      'other',
    );
    writeKubeconfigFile(file, other);
    for (const server of ['https://first', 'https://second']) {
      const incoming = renameEntries(parseKubeconfig(served(server), 'x'), 'kaas-default-web');
      writeKubeconfigFile(file, mergeKubeconfig(readKubeconfigFile(file), incoming, true));
    }
    const merged = parse(readFileSync(file, 'utf8'));
    expect(merged.clusters).toEqual([
      { name: 'other', cluster: { server: 'https://o' } },
      { name: 'kaas-default-web', cluster: { server: 'https://second' } },
    ]);
    expect(merged.contexts).toEqual([
      {
        name: 'kaas-default-web',
        context: { cluster: 'kaas-default-web', user: 'kaas-default-web' },
      },
    ]);
    expect(merged['current-context']).toBe('kaas-default-web');

    const kept = mergeKubeconfig(
      other,
      renameEntries(parseKubeconfig(served('s'), 'x'), 'n'),
      false,
    );
    expect(kept['current-context']).toBe('other');
    rmSync(dir, { recursive: true, force: true });
  });
});
