import type { Cluster } from '../../../sdk/src/index.js';

export function SpecSummary({ cluster }: { cluster: Cluster }) {
  const { spec, status } = cluster;
  const rows: [string, string][] = [
    ['Provider', spec.provider],
    ['Kubernetes', `${spec.kubernetesVersion} (running ${status.controlPlaneVersion ?? '—'})`],
    ['Control plane', `${spec.controlPlane.replicas} × ${spec.controlPlane.flavor}`],
    ['Nodes ready', `${status.nodeCounts.ready}/${status.nodeCounts.desired}`],
    ['Pod / service CIDR', `${spec.network.podCidr} / ${spec.network.serviceCidr}`],
    ['Endpoint', status.endpoint ?? '—'],
    ['Deletion protection', spec.deletionProtection ? 'on' : 'off'],
    ['Generation', `${cluster.generation} (observed ${status.observedGeneration})`],
    ['Created', new Date(cluster.createdAt).toLocaleString()],
  ];
  return (
    <div className="card">
      <h2>Spec</h2>
      <dl className="spec">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
