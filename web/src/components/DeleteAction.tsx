import { useState } from 'react';
import { unwrap, type Cluster } from '../../../sdk/src/index.js';
import type { KaasClient } from '../api.js';
import { ErrorLine } from './ErrorLine.js';

interface Props {
  kaas: KaasClient;
  cluster: Cluster;
  onDone: () => void;
}

/** Deleting is irreversible, so the user types the cluster's name to confirm. */
export function DeleteAction({ kaas, cluster, onDone }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(
        kaas.deleteCluster({ path: { project: cluster.project, cluster: cluster.name } }),
      );
      setConfirming(false);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (cluster.status.phase === 'Deleting') return null;
  if (!confirming) {
    return (
      <button className="danger" onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  }
  return (
    <div className="confirm card" role="dialog" aria-label="Confirm deletion">
      <p>
        Delete <strong>{cluster.name}</strong> and all its machines? Type its name to confirm.
      </p>
      <input
        name="confirm-name"
        aria-label="cluster name to confirm"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
      />
      <div className="actions">
        <button
          className="danger"
          disabled={busy || typed !== cluster.name}
          onClick={() => void remove()}
        >
          Delete cluster
        </button>
        <button className="secondary" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
      <ErrorLine error={error} />
    </div>
  );
}
