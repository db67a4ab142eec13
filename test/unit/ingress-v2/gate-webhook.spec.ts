import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { admitPod, gatePatch } from '../../../src/ingress-v2/gate-webhook.js';
import { backendServices, selects } from '../../../src/ingress-v2/ingress-class.js';
import { MEMBER_CONDITION } from '../../../src/ingress-v2/ingress-model.js';
import { backend, ingress, NS, pod } from './factories.js';

const decode = (response: { response: { patch?: string } }) =>
  response.response.patch
    ? (JSON.parse(Buffer.from(response.response.patch, 'base64').toString('utf8')) as unknown)
    : undefined;

describe('the readiness-gate webhook', () => {
  it('adds the gate as a JSON patch to a pod that will be behind an Ingress v2', () => {
    const review = { request: { uid: 'u-1', namespace: NS, object: pod('web-1') } };
    const answer = admitPod(review, () => true) as {
      response: { uid: string; allowed: boolean; patchType?: string; patch?: string };
    };
    expect(answer.response).toMatchObject({ uid: 'u-1', allowed: true, patchType: 'JSONPatch' });
    expect(decode(answer)).toEqual([
      { op: 'add', path: '/spec/readinessGates', value: [{ conditionType: MEMBER_CONDITION }] },
    ]);
  });

  it('appends to gates the pod has, and leaves a pod that has ours alone', () => {
    const withOther: V1Pod = pod('web-1');
    withOther.spec!.readinessGates = [{ conditionType: 'example.com/other' }];
    expect(gatePatch(withOther)).toEqual([
      { op: 'add', path: '/spec/readinessGates/-', value: { conditionType: MEMBER_CONDITION } },
    ]);
    expect(gatePatch(pod('web-1', { gated: true }))).toBeUndefined();
  });

  it('allows every pod, unchanged when it is not behind an Ingress v2', () => {
    const answer = admitPod({ request: { uid: 'u-2', object: pod('x') } }, () => false) as {
      response: { allowed: boolean; patch?: string };
    };
    expect(answer.response.allowed).toBe(true);
    expect(answer.response.patch).toBeUndefined();
  });

  it('decides by Service selectors of the Services an Ingress routes to', () => {
    const shop = ingress('shop', {
      defaultBackend: backend('web', 80),
      rules: [
        { http: { paths: [{ path: '/api', pathType: 'Prefix', backend: backend('api', 8000) }] } },
      ],
    });
    expect(backendServices(shop)).toEqual(['web', 'api']);
    expect(selects({ app: 'web' }, { app: 'web', tier: 'front' })).toBe(true);
    expect(selects({ app: 'web', tier: 'back' }, { app: 'web', tier: 'front' })).toBe(false);
    // A Service without a selector (endpoints managed by hand) selects no pod.
    expect(selects({}, { app: 'web' })).toBe(false);
    expect(selects(undefined, { app: 'web' })).toBe(false);
  });
});
