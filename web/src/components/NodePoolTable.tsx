import { useState } from 'react';
import { unwrap, type Cluster } from '../../../sdk/src/index.js';
import type { KaasClient } from '../api.js';
import { ErrorLine } from './ErrorLine.js';

interface Props {
  kaas: KaasClient;
  cluster: Cluster;
  onDone: () => void;
}

function ScaleForm({ kaas, cluster, pool, onDone }: Props & { pool: string }) {
  const current = cluster.spec.nodePools.find((p) => p.name === pool)?.replicas ?? 0;
  const [replicas, setReplicas] = useState(String(current));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const scale = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(
        kaas.scaleNodePool({
          path: { project: cluster.project, cluster: cluster.name, pool },
          body: { replicas: Number(replicas) },
        }),
      );
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="inline-form">
      <input
        aria-label={`replicas for ${pool}`}
        name={`scale-${pool}`}
        type="number"
        min={0}
        value={replicas}
        onChange={(e) => setReplicas(e.target.value)}
      />
      <button
        className="secondary"
        disabled={busy || replicas === String(current)}
        onClick={() => void scale()}
      >
        Scale
      </button>
      <ErrorLine error={error} />
    </div>
  );
}

export function NodePoolTable(props: Props) {
  const { cluster } = props;
  return (
    <div className="card">
      <h2>Node pools</h2>
      <table className="pools">
        <thead>
          <tr>
            <th>Pool</th>
            <th>Flavor</th>
            <th>Desired</th>
            <th>Ready</th>
            <th>Versions</th>
            <th>Scale to</th>
          </tr>
        </thead>
        <tbody>
          {cluster.spec.nodePools.map((pool) => {
            const status = cluster.status.nodePools.find((s) => s.name === pool.name);
            return (
              <tr key={pool.name} data-pool={pool.name}>
                <td>{pool.name}</td>
                <td>{pool.flavor}</td>
                <td className="desired">{pool.replicas}</td>
                <td className="ready">
                  {status?.readyReplicas ?? 0}/{status?.replicas ?? 0}
                </td>
                <td>{status?.versions.join(', ') || '—'}</td>
                <td>
                  <ScaleForm {...props} pool={pool.name} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
