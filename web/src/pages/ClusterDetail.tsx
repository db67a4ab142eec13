import { useCallback } from 'react';
import { KaasApiError, unwrap, type Cluster } from '../../../sdk/src/index.js';
import type { KaasClient } from '../api.js';
import { usePoll } from '../hooks.js';
import { Badge } from '../components/Badge.js';
import { ErrorLine } from '../components/ErrorLine.js';
import { SpecSummary } from '../components/SpecSummary.js';
import { NodePoolTable } from '../components/NodePoolTable.js';
import { MachineTable } from '../components/MachineTable.js';
import { ConditionTable } from '../components/ConditionTable.js';
import { OperationTimeline, isActive } from '../components/OperationTimeline.js';
import { UpgradeAction } from '../components/UpgradeAction.js';
import { DeleteAction } from '../components/DeleteAction.js';
import { EventList } from '../components/EventList.js';

interface Props {
  kaas: KaasClient;
  project: string;
  name: string;
}

/** The answer, or `undefined` when the resource is gone (404). */
async function unlessGone<T>(call: Promise<T>): Promise<T | undefined> {
  return call.catch((e: unknown) => {
    if (e instanceof KaasApiError && e.status === 404) return undefined;
    throw e;
  });
}

/** The cluster (`undefined` once deleted), its machines and its operations, kept after it. */
async function loadCluster(kaas: KaasClient, project: string, cluster: string) {
  const path = { project, cluster };
  const [found, machines, operations, events] = await Promise.all([
    unlessGone(unwrap<Cluster>(kaas.getCluster({ path }))),
    unlessGone(unwrap(kaas.listMachines({ path, query: { limit: 500 } }))),
    unwrap(kaas.listOperations({ path: { project }, query: { cluster, limit: 50 } })),
    unlessGone(unwrap(kaas.listClusterEvents({ path, query: { limit: 50 } }))),
  ]);
  return {
    cluster: found,
    machines: machines?.items ?? [],
    operations: operations.items,
    events: events?.items ?? [],
  };
}

/** Every second while an operation runs, so its progress moves; every five seconds otherwise. */
function pollInterval(data: Awaited<ReturnType<typeof loadCluster>> | undefined): number {
  return !data || data.operations.some(isActive) ? 1000 : 5000;
}

export function ClusterDetail({ kaas, project, name }: Props) {
  const load = useCallback(() => loadCluster(kaas, project, name), [kaas, project, name]);
  const { data: current, error, reload } = usePoll(load, pollInterval);
  const cluster = current?.cluster;

  return (
    <section>
      <p className="crumbs">
        <a href="#/">Clusters</a> / {name}
      </p>
      <ErrorLine error={error} />
      {!current ? (
        <p className="muted">Loading…</p>
      ) : !cluster ? (
        <div className="card gone">
          <p>Cluster {name} has been deleted.</p>
          <a href="#/">Back to clusters</a>
        </div>
      ) : (
        <>
          <div className="title-row">
            <h1>
              {cluster.name} <Badge value={cluster.status.phase} />
            </h1>
            <div className="actions">
              <UpgradeAction kaas={kaas} cluster={cluster} onDone={reload} />
              <DeleteAction kaas={kaas} cluster={cluster} onDone={reload} />
            </div>
          </div>
          <div className="grid">
            <SpecSummary cluster={cluster} />
            <ConditionTable conditions={cluster.status.conditions} />
          </div>
          <NodePoolTable kaas={kaas} cluster={cluster} onDone={reload} />
          <MachineTable machines={current.machines} />
          <EventList events={current.events} />
        </>
      )}
      {current && <OperationTimeline operations={current.operations} />}
    </section>
  );
}
