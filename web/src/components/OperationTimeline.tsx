import type { Operation } from '../../../sdk/src/index.js';
import { Badge } from './Badge.js';

export function isActive(operation: Operation): boolean {
  return ['Pending', 'Running', 'Cancelling'].includes(operation.status);
}

function when(operation: Operation): string {
  const start = new Date(operation.createdAt).toLocaleTimeString();
  if (!operation.finishedAt) return `since ${start}`;
  const seconds = (Date.parse(operation.finishedAt) - Date.parse(operation.createdAt)) / 1000;
  return `${start}, took ${seconds.toFixed(1)} s`;
}

function OperationCard({ operation }: { operation: Operation }) {
  const problem = operation.error ?? operation.lastError;
  return (
    <li className="operation" data-operation={operation.type} data-status={operation.status}>
      <div className="op-head">
        <strong>{operation.type}</strong>{' '}
        <Badge value={operation.status} busy={isActive(operation)} />
        <span className="muted"> {when(operation)}</span>
        <span className="op-progress">{operation.progress}%</span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-valuenow={operation.progress}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div style={{ width: `${operation.progress}%` }} />
      </div>
      {problem && (
        <p className={operation.error ? 'error' : 'warn'}>
          {problem.reason}: {problem.message}
        </p>
      )}
      <ol className="steps">
        {operation.steps.map((s) => (
          <li key={s.name} className={`step ${s.status.toLowerCase()}`}>
            <Badge value={s.status} busy={s.status === 'Running'} />{' '}
            <span className="step-name">{s.name}</span>{' '}
            <span className="muted">
              {s.done}/{s.total} — {s.message ?? s.description}
            </span>
          </li>
        ))}
      </ol>
    </li>
  );
}

/** Newest first: what is happening now is what the user came to see. */
export function OperationTimeline({ operations }: { operations: Operation[] }) {
  const newestFirst = [...operations].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <div className="card">
      <h2>Operations</h2>
      {newestFirst.length === 0 ? (
        <p className="muted">No operations.</p>
      ) : (
        <ol className="timeline">
          {newestFirst.map((o) => (
            <OperationCard key={o.id} operation={o} />
          ))}
        </ol>
      )}
    </div>
  );
}
