import { useCallback, useState } from 'react';
import { unwrap, type Cluster } from '../../../sdk/src/index.js';
import type { KaasClient } from '../api.js';
import { usePoll } from '../hooks.js';
import { versionsFor } from '../versions.js';
import { ErrorLine } from './ErrorLine.js';

interface Props {
  kaas: KaasClient;
  cluster: Cluster;
  onDone: () => void;
}

/** Changes spec.kubernetesVersion, guarded by the resourceVersion shown (412 if stale). */
export function UpgradeAction({ kaas, cluster, onDone }: Props) {
  const load = useCallback(() => unwrap(kaas.getServerConfig({})), [kaas]);
  const { data: config } = usePoll(load, 300_000);
  const [version, setVersion] = useState(cluster.spec.kubernetesVersion);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const upgrade = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(
        kaas.updateCluster({
          path: { project: cluster.project, cluster: cluster.name },
          headers: { 'If-Match': `"${cluster.resourceVersion}"` },
          body: { spec: { kubernetesVersion: version } },
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
    <div className="upgrade">
      <div className="inline-form">
        <select
          name="upgrade-version"
          aria-label="Kubernetes version"
          value={version}
          onChange={(e) => setVersion(e.target.value)}
        >
          {(config
            ? versionsFor(config, cluster.spec.provider).versions
            : [cluster.spec.kubernetesVersion]
          ).map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
        <button
          className="secondary"
          disabled={busy || version === cluster.spec.kubernetesVersion}
          onClick={() => void upgrade()}
        >
          Upgrade
        </button>
      </div>
      <ErrorLine error={error} />
    </div>
  );
}
