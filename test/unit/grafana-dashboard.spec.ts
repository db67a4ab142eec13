import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { MetricsService } from '../../src/metrics/metrics.service.js';

/** The dashboard may only chart metrics kaas exports, so it cannot rot silently. */
describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(
    readFileSync(new URL('../../deploy/grafana/kaas-dashboard.json', import.meta.url), 'utf8'),
  ) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };

  it('charts only metrics the service exports', async () => {
    const exported = new Set(
      (await new MetricsService().registry.getMetricsAsJSON()).map((m) => m.name),
    );
    const used = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => t.expr.match(/kaas_[a-z0-9_]+/g) ?? []),
    );
    expect(used.length).toBeGreaterThanOrEqual(12);
    const unknown = used.filter((name) => !exported.has(name.replace(/_(bucket|count|sum)$/, '')));
    expect(unknown).toEqual([]);
  });

  it('gives every panel a title and at least one query', () => {
    for (const panel of dashboard.panels) {
      expect(panel.title.length).toBeGreaterThan(0);
      expect(panel.targets.length).toBeGreaterThan(0);
    }
  });
});
