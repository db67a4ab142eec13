import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../../src/domain/ids.js';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../../src/domain/versions.js';
import type { Db } from '../../src/persistence/database.js';
import { repositories } from '../../src/persistence/repositories.js';
import { BootstrapMaterial } from '../../src/providers/openstack/bootstrap-material.js';
import type { CloudConnection } from '../../src/providers/openstack/cloud.js';
import {
  DatabaseCloudDirectory,
  sealCredentials,
} from '../../src/providers/openstack/cloud-directory.js';
import { OpenStackProvider } from '../../src/providers/openstack/openstack.provider.js';
import type { KeyRing } from '../../src/security/envelope.js';
import { openstackClients, type OpenStackClients } from '../../src/providers/openstack/clients.js';
import { KeystoneSession, type SessionOptions } from '../../src/providers/openstack/keystone.js';

/**
 * The OpenStack testbed in ../shared/openstack-testbed (scripts/services.sh openstack brings it
 * up): Keystone on 127.0.0.1:5000, fixed test users, region RegionOne.
 */
export const TESTBED_AUTH_URL =
  process.env.KAAS_TEST_OPENSTACK_AUTH_URL ?? 'http://127.0.0.1:5000/v3';

export const DEMO = {
  type: 'password' as const,
  username: 'demo',
  password: 'testbed-demo',
  userDomainName: 'Default',
  projectName: 'demo',
  projectDomainName: 'Default',
};

export const ADMIN = {
  ...DEMO,
  username: 'admin',
  password: 'testbed-admin',
  projectName: 'admin',
};

export function demoConnection(
  credentials: CloudConnection['credentials'] = DEMO,
): CloudConnection {
  return { authUrl: TESTBED_AUTH_URL, region: 'RegionOne', interface: 'public', credentials };
}

export function demoClients(options: SessionOptions = {}): OpenStackClients {
  return openstackClients(new KeystoneSession(demoConnection(), options));
}

export function adminClients(): OpenStackClients {
  return openstackClients(new KeystoneSession(demoConnection(ADMIN)));
}

/** Fails at once, with what to run, when the testbed is down. */
export async function requireTestbed(): Promise<void> {
  try {
    const response = await fetch(TESTBED_AUTH_URL);
    if (response.status < 500) return;
  } catch (error) {
    throw new Error(
      `the OpenStack testbed does not answer at ${TESTBED_AUTH_URL} (${String(error)}): run bash scripts/services.sh openstack`,
      { cause: error },
    );
  }
  throw new Error(`the OpenStack testbed at ${TESTBED_AUTH_URL} is unhealthy`);
}

/**
 * A testbed project with no room for servers or networks (instances 0, networks 0) and a
 * member user, made as admin if missing: where exhausted quota is real. Idempotent.
 */
export const QUOTA_USER = {
  ...DEMO,
  username: 'kaas-quota-test',
  password: 'kaas-quota-test',
  projectName: 'kaas-quota-test',
};

export async function ensureQuotaProject(): Promise<void> {
  const admin = new KeystoneSession(demoConnection(ADMIN));
  const projectId = await ensureMemberProject(QUOTA_USER);
  await admin.request('compute', {
    method: 'PUT',
    url: `/os-quota-sets/${projectId}`,
    data: { quota_set: { instances: 0 } },
  });
  await admin.request('network', {
    method: 'PUT',
    url: `/v2.0/quotas/${projectId}`,
    data: { quota: { network: 0 } },
  });
}

/**
 * A testbed project of its own, with its cloud defaults, for tests that lower its Neutron and
 * Octavia quotas (and put them back): the demo project stays as other tests need it.
 */
export const NETWORK_QUOTA_USER = {
  ...DEMO,
  username: 'kaas-network-quota-test',
  password: 'kaas-network-quota-test',
  projectName: 'kaas-network-quota-test',
};

/** The project of `user` and the user as a member of it, made as admin if missing; its id. */
export async function ensureMemberProject(user: typeof DEMO): Promise<string> {
  const admin = new KeystoneSession(demoConnection(ADMIN));
  const identity = async <T>(method: string, url: string, data?: unknown) =>
    (await admin.request<T>('identity', { method, url, ...(data ? { data } : {}) })).data;
  const name = user.projectName;
  type Named = { id: string };
  const project =
    (await identity<{ projects: Named[] }>('GET', `/projects?name=${name}`)).projects[0] ??
    (
      await identity<{ project: Named }>('POST', '/projects', {
        project: { name, domain_id: 'default' },
      })
    ).project;
  const member =
    (await identity<{ users: Named[] }>('GET', `/users?name=${user.username}`)).users[0] ??
    (
      await identity<{ user: Named }>('POST', '/users', {
        user: {
          name: user.username,
          password: user.password,
          domain_id: 'default',
          default_project_id: project.id,
        },
      })
    ).user;
  for (const role of ['member', 'load-balancer_member']) {
    const [found] = (await identity<{ roles: Named[] }>('GET', `/roles?name=${role}`)).roles;
    if (found)
      await identity('PUT', `/projects/${project.id}/users/${member.id}/roles/${found.id}`);
  }
  return project.id;
}

/**
 * A public Glance image registered as admin (a few bytes of raw data, so it is active), with
 * `properties` such as kube_version; its id.
 */
export async function registerImage(
  name: string,
  properties: Record<string, string> = {},
): Promise<string> {
  const admin = new KeystoneSession(demoConnection(ADMIN));
  const { data: image } = await admin.request<{ id: string }>('image', {
    method: 'POST',
    url: '/v2/images',
    data: {
      name,
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'public',
      ...properties,
    },
  });
  await admin.request('image', {
    method: 'PUT',
    url: `/v2/images/${image.id}/file`,
    data: Buffer.alloc(1024),
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  return image.id;
}

export async function deleteImage(id: string): Promise<void> {
  const admin = new KeystoneSession(demoConnection(ADMIN));
  await admin.request('image', { method: 'DELETE', url: `/v2/images/${id}` });
}

/**
 * One image per supported Kubernetes version, named `kaas-<random>-kube-v<version>` and
 * tagged with kube_version `v<version>` as image builders do: `template` is the
 * spec.openstack.image that picks each. The testbed's own image is for Kubernetes 1.30, which
 * kaas does not run. `remove` deletes them.
 */
export async function registerVersionImages(): Promise<{
  template: string;
  ids: Record<string, string>;
  remove: () => Promise<void>;
}> {
  const prefix = `kaas-${randomBytes(4).toString('hex')}-kube-v`;
  const ids: Record<string, string> = {};
  for (const version of SUPPORTED_KUBERNETES_VERSIONS)
    ids[version] = await registerImage(`${prefix}${version}`, { kube_version: `v${version}` });
  return {
    template: `${prefix}{version}`,
    ids,
    remove: async () => {
      for (const id of Object.values(ids)) await deleteImage(id);
    },
  };
}

/**
 * The testbed registered as cloud "testbed" (the demo user) in a test database, and an
 * OpenStack provider that finds it there, as the worker builds one.
 */
export async function testbedProvider(db: Db, keyRing: KeyRing): Promise<OpenStackProvider> {
  const repos = repositories(db);
  const cloudId = uuidv7();
  await repos.clouds.insert({
    id: cloudId,
    name: 'testbed',
    authUrl: TESTBED_AUTH_URL,
    region: 'RegionOne',
    endpointInterface: 'public',
    credentialType: 'password',
    credentials: sealCredentials(cloudId, DEMO, keyRing),
  });
  return new OpenStackProvider({
    clouds: new DatabaseCloudDirectory(repos.clouds, keyRing),
    bootstrap: new BootstrapMaterial(repos.clusterSecrets, keyRing),
  });
}
