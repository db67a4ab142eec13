import type { KubeConfig } from '@kubernetes/client-node';
import { Writable } from 'node:stream';

/** Runs a command in a pod's container and answers its standard output. */
export type PodExec = (pod: string, command: string[]) => Promise<string>;

/** The client certificates kubeadm puts beside a stacked etcd for its health checks. */
const ETCDCTL = [
  'etcdctl',
  '--endpoints=https://127.0.0.1:2379',
  '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
  '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key',
];

export interface EtcdMember {
  /** Hexadecimal, as etcdctl prints it (the id is a uint64: JSON would round it). */
  id: string;
  name: string;
}

/** Parses `etcdctl member list -w simple`: `id, status, name, peer URLs, client URLs, learner`. */
export function parseMemberList(output: string): EtcdMember[] {
  return output
    .split('\n')
    .map((line) => line.split(',').map((f) => f.trim()))
    .filter((fields) => fields.length >= 3 && /^[0-9a-f]+$/.test(fields[0]!))
    .map((fields) => ({ id: fields[0]!, name: fields[2]! }));
}

/**
 * Removes the etcd member of a control-plane node, asking the etcd of another control-plane
 * node (kubeadm names static pods `etcd-<node>` and etcd members after their node). Done
 * before the node's machine is deleted, so that the cluster's quorum is counted over the
 * members that remain; a member already gone is not an error.
 */
export async function removeEtcdMember(
  exec: PodExec,
  etcdPods: string[],
  nodeName: string,
): Promise<'removed' | 'absent'> {
  const peer = etcdPods.find((pod) => pod !== `etcd-${nodeName}`);
  if (!peer) {
    throw new Error(
      `no other etcd member to ask before removing ${nodeName}: a control plane is never emptied`,
    );
  }
  const members = parseMemberList(await exec(peer, [...ETCDCTL, 'member', 'list', '-w', 'simple']));
  const member = members.find((m) => m.name === nodeName);
  if (!member) return 'absent';
  await exec(peer, [...ETCDCTL, 'member', 'remove', member.id]);
  return 'removed';
}

/** PodExec through the API server's exec subresource, in kube-system's etcd container. */
export function apiServerExec(config: KubeConfig, timeoutMs = 30_000): PodExec {
  return (pod, command) =>
    new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const sink = (append: (s: string) => void) =>
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            append(chunk.toString('utf8'));
            done();
          },
        });
      const timer = setTimeout(
        () => reject(new Error(`exec in ${pod} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      // Loaded here, not with the module: processes that never exec need none of client-node.
      import('@kubernetes/client-node')
        .then(({ Exec }) =>
          new Exec(config).exec(
            'kube-system',
            pod,
            'etcd',
            command,
            sink((s) => (out += s)),
            sink((s) => (err += s)),
            null,
            false,
            (status) => {
              clearTimeout(timer);
              if (status.status === 'Success') resolve(out);
              else
                reject(
                  new Error(
                    `${command.slice(-3).join(' ')} in ${pod}: ${err.trim() || status.message}`,
                  ),
                );
            },
          ),
        )
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
}
