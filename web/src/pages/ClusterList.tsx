import { useCallback } from 'react';
import { unwrap } from '../../../sdk/src/index.js';
import type { KaasClient } from '../api.js';
import { usePoll } from '../hooks.js';
import { Badge } from '../components/Badge.js';
import { ErrorLine } from '../components/ErrorLine.js';

export function ClusterList({ kaas, project }: { kaas: KaasClient; project: string }) {
  const load = useCallback(
    () => unwrap(kaas.listClusters({ path: { project }, query: { limit: 500 } })),
    [kaas, project],
  );
  const { data, error } = usePoll(load, 2000);
  return (
    <section>
      <div className="title-row">
        <h1>Clusters</h1>
        <a className="button" href="#/new">
          New cluster
        </a>
      </div>
      <ErrorLine error={error} />
      {!data ? (
        <p className="muted">Loading…</p>
      ) : data.items.length === 0 ? (
        <p className="muted">No clusters in {project} yet.</p>
      ) : (
        <table className="clusters">
          <thead>
            <tr>
              <th>Name</th>
              <th>Phase</th>
              <th>Nodes ready</th>
              <th>Version</th>
              <th>Provider</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((c) => (
              <tr key={c.id} data-cluster={c.name}>
                <td>
                  <a href={`#/clusters/${encodeURIComponent(c.name)}`}>{c.name}</a>
                </td>
                <td>
                  <Badge value={c.status.phase} />
                </td>
                <td className="nodes">
                  {c.status.nodeCounts.ready}/{c.status.nodeCounts.desired}
                </td>
                <td>{c.status.controlPlaneVersion ?? c.spec.kubernetesVersion}</td>
                <td>{c.spec.provider}</td>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
