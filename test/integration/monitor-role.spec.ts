import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startMonitor } from '../../src/monitor/monitor.js';
import { startServer } from '../../src/server.js';
import { testConfig } from '../support/factories.js';
import { eventually } from '../support/http.js';
import { createTestDatabase } from '../support/postgres.js';

/** The `kaas monitor` role (ADR 0016) and workers that leave watching to it. */
describe('kaas monitor', () => {
  let database: { url: string; drop: () => Promise<void> };
  const heartbeats = async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query<{ id: string }>('select id from health_monitors')).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('refuses the embedded database, which lives in one process', async () => {
    await expect(startMonitor(testConfig())).rejects.toThrow('KAAS_DATABASE_URL');
  });

  it('watches with its operator endpoints up, and leaves the monitors when it stops', async () => {
    const monitor = await startMonitor(testConfig({ KAAS_DATABASE_URL: database.url }));
    try {
      expect(await (await fetch(`${monitor.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${monitor.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ok',
        checks: { database: 'ok', redis: 'ok' },
      });
      // Its heartbeat makes it one of the monitors that share the clusters.
      expect(await eventually(heartbeats, (rows) => rows.length === 1, 10_000)).toHaveLength(1);
      // Its first discovery, a fifth of the 10 s interval after its heartbeat, counts the monitors.
      const metrics = await eventually(
        async () => (await fetch(`${monitor.url}/metrics`)).text(),
        (text) => /^kaas_health_monitors 1$/m.test(text),
        10_000,
      );
      expect(metrics).toMatch(/^kaas_health_watched_clusters 0$/m);
      // No API here.
      expect((await fetch(`${monitor.url}/v1/clusters`)).status).toBe(404);
    } finally {
      await monitor.close();
    }
    expect(await heartbeats()).toEqual([]);
  });

  it('refuses KAAS_WORKER_HEALTH_MONITOR=false on the embedded database: nothing would watch', () => {
    expect(() => testConfig({ KAAS_WORKER_HEALTH_MONITOR: 'false' })).toThrow(
      /KAAS_WORKER_HEALTH_MONITOR: false .*cannot share the embedded database/,
    );
  });

  it('a worker with KAAS_WORKER_HEALTH_MONITOR=false watches nothing', async () => {
    const worker = await startServer(
      'worker',
      testConfig({ KAAS_DATABASE_URL: database.url, KAAS_WORKER_HEALTH_MONITOR: 'false' }),
    );
    try {
      // A worker that watches registers the health gauges when it starts, and its heartbeat
      // follows at once.
      await new Promise((r) => setTimeout(r, 1_000));
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      expect(metrics).not.toContain('kaas_health_watched_clusters');
      expect(await heartbeats()).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
