import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startStandin, type Standin } from '../support/cli-standin.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { uniquePrefix } from '../support/factories.js';
import { startFakeKubeApi, type FakeKubeApi } from '../support/fake-kube-api.js';
import { SHIPPED_IMAGE_1_36, SHIPPED_IMAGE_1_37 } from '../support/kind.js';
import { freePort } from '../support/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The laptop check (`npm run check:kind`, here its script after the build) against the kind and
 * docker stand-in and a fake tenant API: what it drives through kaas's HTTP API and what it
 * checks in "Docker" afterwards. On a laptop the same script meets the real kind and Docker.
 */
describe('the kind laptop check', () => {
  let standin: Standin;
  let api: FakeKubeApi;

  beforeAll(async () => {
    api = await startFakeKubeApi({
      nodes: () =>
        Object.values(standin.state().containers)
          .filter((c) => c.joined)
          .map((c) => c.name),
    });
    standin = startStandin({ caPem: api.caPem, apiServer: api.url });
  });

  afterAll(async () => {
    standin?.cleanup();
    await api?.close();
  });

  it('creates, scales, upgrades a pool and deletes a kind cluster on the shipped images, leaving nothing', async () => {
    expect(existsSync(`${ROOT}dist/main.js`)).toBe(true);
    const child = spawn(process.execPath, ['scripts/kind-check.mjs'], {
      cwd: ROOT,
      env: {
        ...standin.env,
        KAAS_CHECK_PORT: String(await freePort()),
        KAAS_REDIS_URL: TEST_REDIS_URL,
        KAAS_QUEUE_PREFIX: uniquePrefix(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringContaining(
        'kind-check: create, scale, worker upgrade and delete passed; nothing left in Docker',
      ),
    });
    for (const step of ['Create', 'Scale', 'Upgrade', 'Delete']) {
      expect(output).toContain(`kind-check: ${step} succeeded`);
    }
    expect(standin.state().containers).toEqual({});
    const commands = standin.commands();
    expect(commands.filter((c) => c.startsWith('kind create cluster'))).toHaveLength(1);
    expect(
      commands.filter((c) => c.startsWith('docker run')).map((c) => c.split(' ').at(-1)),
    ).toEqual([SHIPPED_IMAGE_1_36, SHIPPED_IMAGE_1_37, SHIPPED_IMAGE_1_37]);
    expect(output).toContain('kind-check: cluster on Kubernetes 1.37.0, workers on 1.36.1');
  });
});
