import type { CloudConnection } from '../../src/providers/openstack/cloud.js';
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
