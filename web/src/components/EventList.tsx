import type { ClusterEvent } from '../../../sdk/src/index.js';
import { Badge } from './Badge.js';

/** The cluster's events, newest first: operations ending, conditions changing, retried errors. */
export function EventList({ events }: { events: ClusterEvent[] }) {
  return (
    <div className="card events">
      <h2>Events</h2>
      {events.length === 0 ? (
        <p className="muted">No events yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Type</th>
              <th>Reason</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleTimeString()}</td>
                <td>
                  <Badge value={e.type} />
                </td>
                <td>{e.reason}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
