import type { Machine } from '../../../sdk/src/index.js';
import { Badge } from './Badge.js';

export function MachineTable({ machines }: { machines: Machine[] }) {
  return (
    <div className="card">
      <h2>Machines ({machines.length})</h2>
      <table className="machines">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Pool</th>
            <th>Phase</th>
            <th>Node</th>
            <th>Version</th>
          </tr>
        </thead>
        <tbody>
          {machines.map((m) => (
            <tr key={m.id} title={m.failureReason}>
              <td>{m.name}</td>
              <td>{m.role}</td>
              <td>{m.pool ?? '—'}</td>
              <td>
                <Badge value={m.phase} />
              </td>
              <td>{m.nodeName ?? '—'}</td>
              <td>{m.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
