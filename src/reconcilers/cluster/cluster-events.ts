import type { EventsRepository, NewClusterEvent } from '../../persistence/events.repository.js';

export type PendingEvent = Omit<NewClusterEvent, 'clusterId'>;

/** Events are for people; losing one must never fail a reconcile. */
export async function recordEvents(
  repository: EventsRepository | undefined,
  logger: { warn(obj: object, msg: string): void },
  clusterId: string,
  events: PendingEvent[],
): Promise<void> {
  if (!repository || events.length === 0) return;
  await repository.insertMany(events.map((e) => ({ ...e, clusterId }))).catch((error: unknown) => {
    logger.warn({ err: error, clusterId }, 'events not recorded');
  });
}
