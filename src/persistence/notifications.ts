import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

/** What a LISTEN subscriber hears: messages, and whether it can hear them at all. */
export interface NotificationHandlers {
  /** A NOTIFY on the channel, after its transaction committed. */
  message(payload: string): void;
  /** Listening from now on: every later commit's notification will arrive. */
  listening(): void;
  /** The listening connection is gone: notifications may have been missed until `listening`. */
  lost(error: unknown): void;
}

export interface NotificationSubscription {
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;

/** Only names made of letters, digits and underscores, so the LISTEN needs no quoting. */
function checkChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name "${channel}"`);
}

/**
 * LISTEN on PostgreSQL over a connection of its own (a pooled one would drop the LISTEN when
 * returned). A lost connection is reported and re-established with backoff until closed.
 */
export function listenPostgres(
  pgModule: typeof pg,
  url: string,
  channel: string,
  handlers: NotificationHandlers,
): NotificationSubscription {
  checkChannel(channel);
  let closed = false;
  let client: pg.Client | undefined;
  let delay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const retry = (error: unknown) => {
    if (closed) return;
    handlers.lost(error);
    const broken = client;
    client = undefined;
    broken?.removeAllListeners();
    broken?.on('error', () => undefined);
    broken?.end().catch(() => undefined); // already broken; ending it only frees the socket
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  const connect = () => {
    timer = undefined;
    const next = new pgModule.Client({ connectionString: url });
    client = next;
    next.on('notification', (n) => {
      if (n.channel === channel) handlers.message(n.payload ?? '');
    });
    next.on('error', retry);
    next.on('end', () => retry(new Error('the listening connection ended')));
    next
      .connect()
      .then(() => next.query(`LISTEN ${channel}`))
      .then(() => {
        if (closed || client !== next) return;
        delay = RECONNECT_MIN_MS;
        handlers.listening();
      })
      .catch((error: unknown) => {
        if (client === next) retry(error);
      });
  };

  connect();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const last = client;
      client = undefined;
      last?.removeAllListeners();
      last?.on('error', () => undefined);
      await last?.end();
    },
  };
}

/** LISTEN inside the embedded database: notifications arrive when the notifying query commits. */
export async function listenEmbedded(
  client: PGlite,
  channel: string,
  handlers: NotificationHandlers,
): Promise<NotificationSubscription> {
  checkChannel(channel);
  const unlisten = await client.listen(channel, (payload) => handlers.message(payload));
  handlers.listening();
  return {
    close: async () => {
      // Closing the database ends its listeners with it.
      if (!client.closed) await unlisten();
    },
  };
}
