import { describe, expect, it } from '@jest/globals';
import { parseMemberList, removeEtcdMember, type PodExec } from '../../src/kube/etcd-members.js';

const LIST = [
  '8e9e05c52164694d, started, cp-a, https://10.0.0.4:2380, https://10.0.0.4:2379, false',
  'fd422379fda50e48, started, cp-b, https://10.0.0.5:2380, https://10.0.0.5:2379, false',
  'ffffffffffffff01, started, cp-c, https://10.0.0.6:2380, https://10.0.0.6:2379, false',
  '',
].join('\n');

function recordingExec(): { exec: PodExec; calls: { pod: string; args: string[] }[] } {
  const calls: { pod: string; args: string[] }[] = [];
  return {
    calls,
    exec: async (pod, command) => {
      calls.push({ pod, args: command.slice(5) });
      return command.includes('list') ? LIST : '';
    },
  };
}

describe('etcd members of a stacked control plane', () => {
  it('keeps member ids exact as hexadecimal (a uint64 does not survive JSON numbers)', () => {
    expect(parseMemberList(LIST)).toEqual([
      { id: '8e9e05c52164694d', name: 'cp-a' },
      { id: 'fd422379fda50e48', name: 'cp-b' },
      { id: 'ffffffffffffff01', name: 'cp-c' },
    ]);
  });

  it('asks another member, then removes the leaving node by id', async () => {
    const { exec, calls } = recordingExec();
    const pods = ['etcd-cp-a', 'etcd-cp-b', 'etcd-cp-c'];
    expect(await removeEtcdMember(exec, pods, 'cp-a')).toBe('removed');
    expect(calls).toEqual([
      { pod: 'etcd-cp-b', args: ['member', 'list', '-w', 'simple'] },
      { pod: 'etcd-cp-b', args: ['member', 'remove', '8e9e05c52164694d'] },
    ]);
  });

  it('treats a member already gone as done, and never empties the control plane', async () => {
    const { exec, calls } = recordingExec();
    expect(await removeEtcdMember(exec, ['etcd-cp-a', 'etcd-cp-b'], 'cp-z')).toBe('absent');
    expect(calls).toHaveLength(1);
    await expect(removeEtcdMember(exec, ['etcd-cp-a'], 'cp-a')).rejects.toThrow(
      'no other etcd member',
    );
  });
});
