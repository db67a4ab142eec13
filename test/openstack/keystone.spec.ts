import { describe, expect, it } from '@jest/globals';
import axios from 'axios';
import { AuthenticationError, KeystoneSession } from '../../src/providers/openstack/keystone.js';
import { GlanceClient } from '../../src/providers/openstack/glance.js';
import { NovaClient } from '../../src/providers/openstack/nova.js';
import { DEMO, demoConnection, requireTestbed, TESTBED_AUTH_URL } from '../support/openstack.js';

/** Revokes a token the way an operator or an expiry would. */
async function revoke(session: KeystoneSession): Promise<void> {
  const token = (session as unknown as { token?: { value: string } }).token!.value;
  const response = await axios.delete(`${TESTBED_AUTH_URL}/auth/tokens`, {
    headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
    validateStatus: () => true,
  });
  expect(response.status).toBe(204);
}

describe('Keystone v3 on the testbed', () => {
  it('signs in with a password once and reuses the scoped token until near its expiry', async () => {
    await requireTestbed();
    const session = new KeystoneSession(demoConnection());
    const nova = new NovaClient(session);
    await nova.listFlavors();
    await nova.listServers({});
    await session.endpoint('network');
    expect(session.authentications).toBe(1);

    // A clock 5 minutes short of the expiry renews it.
    const { expiresAt } = await session.verify();
    const late = new KeystoneSession(demoConnection(), { now: () => expiresAt.getTime() - 60_000 });
    await late.endpoint('compute');
    await late.endpoint('compute');
    expect(late.authentications).toBe(2);
  });

  it('signs in again, transparently, when a service answers 401 for a revoked token', async () => {
    const session = new KeystoneSession(demoConnection());
    const nova = new NovaClient(session);
    expect((await nova.listFlavors()).map((f) => f.name)).toContain('m1.small');
    await revoke(session);
    // Services cache validated tokens for minutes; Glance has not seen this one yet.
    const image = await new GlanceClient(session).findImage('ubuntu-22.04-kube-v1.30.4');
    expect(image?.status).toBe('active');
    expect(session.authentications).toBe(2);
  });

  it('signs in with an application credential, scoped to its project', async () => {
    const password = new KeystoneSession(demoConnection());
    const demoProject = await password.projectId();
    const token = (password as unknown as { token: { value: string } }).token.value;
    const who = await axios.get(`${TESTBED_AUTH_URL}/auth/tokens`, {
      headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
    });
    const userId = who.data.token.user.id as string;
    const created = await axios.post(
      `${TESTBED_AUTH_URL}/users/${userId}/application_credentials`,
      { application_credential: { name: `kaas-test-${Date.now()}` } },
      { headers: { 'X-Auth-Token': token } },
    );
    const { id, secret } = created.data.application_credential as { id: string; secret: string };
    try {
      const session = new KeystoneSession(
        demoConnection({ type: 'applicationCredential', id, secret }),
      );
      expect(await session.projectId()).toBe(demoProject);
      expect(await session.endpoint('load-balancer')).toBe('http://127.0.0.1:9876');
    } finally {
      await axios.delete(`${TESTBED_AUTH_URL}/users/${userId}/application_credentials/${id}`, {
        headers: { 'X-Auth-Token': token },
      });
    }
  });

  it('says which credentials Keystone refused, and which endpoint the catalog lacks', async () => {
    const wrong = new KeystoneSession(demoConnection({ ...DEMO, password: 'not-the-password' }));
    await expect(wrong.verify()).rejects.toThrow(AuthenticationError);
    await expect(wrong.verify()).rejects.toThrow(/refused the credentials \(401/);
    const elsewhere = new KeystoneSession({ ...demoConnection(), region: 'RegionTwo' });
    await expect(elsewhere.endpoint('compute')).rejects.toThrow(
      /no public compute endpoint in region RegionTwo/,
    );
  });
});
