import type { ClusterStatus } from '../../../sdk/src/index.js';
import { Badge } from './Badge.js';

export function ConditionTable({ conditions }: { conditions: ClusterStatus['conditions'] }) {
  return (
    <div className="card">
      <h2>Conditions</h2>
      <table className="conditions">
        <thead>
          <tr>
            <th>Type</th>
            <th>Status</th>
            <th>Reason</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type} title={`since ${new Date(c.lastTransitionTime).toLocaleString()}`}>
              <td>{c.type}</td>
              <td>
                <Badge value={c.status} />
              </td>
              <td>{c.reason}</td>
              <td>{c.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
