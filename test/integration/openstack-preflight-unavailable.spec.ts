import { describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BootstrapMaterial } from '../../src/providers/openstack/bootstrap-material.js';
import type { CloudDirectory } from '../../src/providers/openstack/cloud-directory.js';
import { OpenStackProvider } from '../../src/providers/openstack/openstack.provider.js';
import { clusterSpec } from '../support/factories.js';
import { DEMO } from '../support/openstack.js';

/** A Keystone that answers every sign-in with the given status. */
async function keystoneAnswering(status: number): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(status).end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`, server };
}

function providerFor(authUrl: string): OpenStackProvider {
  const cloud = {
    id: 'c1',
    name: 'flaky',
    revision: 'r1',
    connection: { authUrl, region: 'RegionOne', interface: 'public' as const, credentials: DEMO },
  };
  const clouds: CloudDirectory = {
    find: async () => cloud,
    list: async () => [cloud],
    isGranted: async () => true,
  };
  return new OpenStackProvider({
    clouds,
    bootstrap: {} as BootstrapMaterial,
    session: { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } },
  });
}

const spec = clusterSpec({
  provider: 'openstack',
  openstack: { cloud: 'flaky', image: 'ubuntu-22.04-kube-v1.30.4' },
});

describe('preflight of an OpenStack cluster when the cloud does not answer', () => {
  it('accepts the request: an outage is not a fault of the spec, the reconcile checks again', async () => {
    const keystone = await keystoneAnswering(502);
    try {
      expect(await providerFor(keystone.url).preflight(spec, { projectId: 'p1' })).toEqual([]);
    } finally {
      keystone.server.close();
    }
  });

  it('still refuses credentials the cloud rejects', async () => {
    const keystone = await keystoneAnswering(401);
    try {
      const problems = await providerFor(keystone.url).preflight(spec, { projectId: 'p1' });
      expect(problems).toEqual([
        {
          field: 'spec.openstack.cloud',
          message: expect.stringMatching(/refused the credentials/),
        },
      ]);
    } finally {
      keystone.server.close();
    }
  });
});
