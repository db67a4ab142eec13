import { describe, expect, it } from '@jest/globals';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { ReadinessGateWriter } from '../../../src/ingress-v2/gate-writer.js';
import { MEMBER_CONDITION } from '../../../src/ingress-v2/ingress-model.js';
import type { ObservedMember } from '../../../src/ingress-v2/pool-sync.js';
import { membersFromStatus } from '../../../src/ingress-v2/pool-sync.js';
import { gateCondition, memberAdmitted } from '../../../src/ingress-v2/readiness-gates.js';
import { NS, pod } from './factories.js';

/** The one Kubernetes call the writer makes, recorded; everything else about CoreV1Api is unused. */
class RecordingCore {
  readonly patches: {
    name: string;
    condition: { type: string; status: string; reason: string; message: string };
  }[] = [];
  patchNamespacedPodStatus(request: { name: string; body: { status: { conditions: never[] } } }) {
    this.patches.push({ name: request.name, condition: request.body.status.conditions[0]! });
    return Promise.resolve({});
  }
}

const member = (
  podName: string,
  operatingStatus: string,
  pool = `${NS}/web:80`,
  address = '10.0.0.1',
): ObservedMember => ({
  pool,
  address,
  port: 8080,
  operatingStatus,
  pod: { namespace: NS, name: podName },
});

function writer(pods: V1Pod[]) {
  const core = new RecordingCore();
  const gates = new ReadinessGateWriter(
    core as unknown as CoreV1Api,
    (ns, name) => pods.find((p) => p.metadata?.namespace === ns && p.metadata.name === name),
    () => new Date('2026-11-29T08:00:00Z'),
  );
  return { core, gates };
}

describe('the load-balancer readiness gate', () => {
  it('admits ONLINE and NO_MONITOR members only', () => {
    expect(
      ['ONLINE', 'NO_MONITOR', 'OFFLINE', 'ERROR', 'DRAINING', 'DEGRADED'].map(memberAdmitted),
    ).toEqual([true, true, false, false, false, false]);
  });

  it('sets the condition True once Octavia reports the member ONLINE', async () => {
    const { core, gates } = writer([pod('web-1', { gated: true })]);
    expect(await gates.update(`${NS}/shop`, [member('web-1', 'ONLINE')])).toBe(0);
    expect(core.patches).toEqual([
      {
        name: 'web-1',
        condition: expect.objectContaining({
          type: MEMBER_CONDITION,
          status: 'True',
          reason: 'LoadBalancerMemberAdmitted',
        }),
      },
    ]);
  });

  it('keeps it False while the member is OFFLINE, and says it still waits', async () => {
    const { core, gates } = writer([pod('web-1', { gated: true })]);
    expect(await gates.update(`${NS}/shop`, [member('web-1', 'OFFLINE')])).toBe(1);
    expect(core.patches[0]!.condition).toMatchObject({
      status: 'False',
      reason: 'LoadBalancerMemberNotAdmitted',
      message: expect.stringContaining('OFFLINE'),
    });
  });

  it('does not write a condition that already says the same', async () => {
    const { gates, core } = writer([pod('web-1', { gated: true })]);
    await gates.update(`${NS}/shop`, [member('web-1', 'OFFLINE')]);
    const written = core.patches[0]!.condition;
    const { gates: again, core: quiet } = writer([
      pod('web-1', { gated: true, gate: 'False', message: written.message }),
    ]);
    expect(await again.update(`${NS}/shop`, [member('web-1', 'OFFLINE')])).toBe(1);
    expect(quiet.patches).toEqual([]);
  });

  it('leaves pods without the gate alone', async () => {
    const { core, gates } = writer([pod('plain')]);
    expect(await gates.update(`${NS}/shop`, [member('plain', 'OFFLINE')])).toBe(0);
    expect(core.patches).toEqual([]);
  });

  it('admits a pod behind two load balancers only when both admitted it', async () => {
    const { core, gates } = writer([pod('web-1', { gated: true })]);
    await gates.update(`${NS}/shop`, [member('web-1', 'ONLINE')]);
    await gates.update(`${NS}/blog`, [member('web-1', 'OFFLINE', `${NS}/web:81`)]);
    expect(core.patches.map((p) => p.condition.status)).toEqual(['True', 'False']);
    await gates.update(`${NS}/blog`, [member('web-1', 'ONLINE', `${NS}/web:81`)]);
    expect(core.patches.map((p) => p.condition.status)).toEqual(['True', 'False', 'True']);
  });

  it('keeps the transition time while the status stays the same', () => {
    const since = new Date('2026-11-29T07:00:00Z');
    const current = pod('web-1', { gated: true, gate: 'False', message: 'old' });
    current.status!.conditions![1]!.lastTransitionTime = since;
    const next = gateCondition(
      current,
      { admitted: false, message: 'new' },
      new Date('2026-11-29T08:00:00Z'),
    );
    expect(next?.lastTransitionTime).toEqual(since);
    const flipped = gateCondition(
      current,
      { admitted: true, message: 'new' },
      new Date('2026-11-29T08:00:00Z'),
    );
    expect(flipped?.lastTransitionTime).toEqual(new Date('2026-11-29T08:00:00Z'));
  });

  it('reads member status and pods from the Octavia status tree', () => {
    const members = membersFromStatus({
      loadbalancer: {
        id: 'lb',
        provisioning_status: 'ACTIVE',
        operating_status: 'ONLINE',
        listeners: ['http', 'https'].map((name) => ({
          id: name,
          name,
          pools: [
            {
              id: 'p1',
              name: `${NS}/web:80`,
              members: [
                {
                  id: 'm1',
                  name: `${NS}/web-1`,
                  address: '10.0.0.1',
                  protocol_port: 8080,
                  operating_status: 'ONLINE',
                },
                {
                  id: 'm2',
                  name: '10.0.0.9',
                  address: '10.0.0.9',
                  protocol_port: 8080,
                  operating_status: 'NO_MONITOR',
                },
              ],
            },
          ],
        })),
      },
    });
    expect(members).toEqual([
      {
        pool: `${NS}/web:80`,
        address: '10.0.0.1',
        port: 8080,
        operatingStatus: 'ONLINE',
        pod: { namespace: NS, name: 'web-1' },
      },
      { pool: `${NS}/web:80`, address: '10.0.0.9', port: 8080, operatingStatus: 'NO_MONITOR' },
    ]);
  });
});
