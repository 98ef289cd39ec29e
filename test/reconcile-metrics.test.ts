import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { UserError } from '../src/errors.js';
import { ReconcileMetrics } from '../src/reconcile/metrics.js';
import { serveMetrics, type MetricsServer } from '../src/reconcile/metrics-server.js';

const open: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(metrics: ReconcileMetrics): Promise<MetricsServer> {
  const server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1' });
  open.push(server);
  return server;
}

/** The value of one sample line, such as `schema_sync_tenants{state="drifted"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ReconcileMetrics over HTTP', () => {
  test('/metrics has every documented series with the recorded values', async () => {
    const metrics = new ReconcileMetrics();
    const server = await start(metrics);
    expect(server.port).toBeGreaterThan(0);

    metrics.recordApply({ durationSeconds: 0.2, failed: false });
    metrics.recordApply({ durationSeconds: 3, failed: false });
    metrics.recordApply({ durationSeconds: 40, failed: true });
    metrics.recordRun({
      durationSeconds: 42,
      states: { 'in-sync': 10, drifted: 2, conflict: 1, error: 1 },
      outcome: 'drift',
      at: new Date('2025-01-02T03:04:05Z'),
      waves: [
        { wave: 'canary', failed: 0 },
        { wave: 'rest', failed: 2 },
      ],
    });

    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    for (const name of [
      'schema_sync_tenants',
      'schema_sync_drifted_tenants',
      'schema_sync_run_duration_seconds',
      'schema_sync_apply_duration_seconds',
      'schema_sync_apply_failures_total',
      'schema_sync_runs_total',
      'schema_sync_last_run_timestamp_seconds',
      'schema_sync_wave_failures_total',
      'schema_sync_last_success_timestamp_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    }

    // All five states, the one left out of the record at zero.
    expect(sample(text, 'schema_sync_tenants{state="in-sync"}')).toBe(10);
    expect(sample(text, 'schema_sync_tenants{state="pending"}')).toBe(0);
    expect(sample(text, 'schema_sync_tenants{state="drifted"}')).toBe(2);
    expect(sample(text, 'schema_sync_tenants{state="conflict"}')).toBe(1);
    expect(sample(text, 'schema_sync_tenants{state="error"}')).toBe(1);
    expect(sample(text, 'schema_sync_drifted_tenants')).toBe(3);

    expect(sample(text, 'schema_sync_run_duration_seconds_count')).toBe(1);
    expect(sample(text, 'schema_sync_run_duration_seconds_sum')).toBe(42);
    expect(sample(text, 'schema_sync_run_duration_seconds_bucket{le="30"}')).toBe(0);
    expect(sample(text, 'schema_sync_run_duration_seconds_bucket{le="60"}')).toBe(1);

    expect(sample(text, 'schema_sync_apply_duration_seconds_count')).toBe(3);
    expect(sample(text, 'schema_sync_apply_duration_seconds_sum')).toBeCloseTo(43.2);
    expect(sample(text, 'schema_sync_apply_duration_seconds_bucket{le="5"}')).toBe(2);
    expect(sample(text, 'schema_sync_apply_failures_total')).toBe(1);

    expect(sample(text, 'schema_sync_runs_total{outcome="drift"}')).toBe(1);
    expect(sample(text, 'schema_sync_runs_total{outcome="ok"}')).toBe(0);
    expect(sample(text, 'schema_sync_runs_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'schema_sync_last_run_timestamp_seconds')).toBe(Date.UTC(2025, 0, 2, 3, 4, 5) / 1000);
    // A pass with drift did not fail: it is the last success too.
    expect(sample(text, 'schema_sync_last_success_timestamp_seconds')).toBe(Date.UTC(2025, 0, 2, 3, 4, 5) / 1000);
    // Every wave that ran has a series, the one with no failure at zero.
    expect(sample(text, 'schema_sync_wave_failures_total{wave="canary"}')).toBe(0);
    expect(sample(text, 'schema_sync_wave_failures_total{wave="rest"}')).toBe(2);

    // No Node process metrics unless asked for.
    expect(text).not.toMatch(/process_cpu|nodejs_/);
  });

  test('a later run replaces the tenant gauges and adds to the counters', async () => {
    const metrics = new ReconcileMetrics();
    metrics.recordRun({ durationSeconds: 1, states: { drifted: 5, pending: 4 }, outcome: 'failed' });
    metrics.recordRun({ durationSeconds: 2, states: { 'in-sync': 9 }, outcome: 'ok' });
    const text = await metrics.metricsText();
    expect(sample(text, 'schema_sync_tenants{state="drifted"}')).toBe(0);
    expect(sample(text, 'schema_sync_tenants{state="pending"}')).toBe(0);
    expect(sample(text, 'schema_sync_tenants{state="in-sync"}')).toBe(9);
    expect(sample(text, 'schema_sync_drifted_tenants')).toBe(0);
    expect(sample(text, 'schema_sync_runs_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'schema_sync_runs_total{outcome="ok"}')).toBe(1);
    expect(sample(text, 'schema_sync_run_duration_seconds_count')).toBe(2);
  });

  test('a failed pass moves the last run, not the last success; failures add up per wave', async () => {
    const metrics = new ReconcileMetrics();
    const ok = new Date('2025-01-02T03:00:00Z');
    const failed = new Date('2025-01-02T03:05:00Z');
    metrics.recordRun({ durationSeconds: 1, states: { 'in-sync': 3 }, outcome: 'ok', at: ok, waves: [{ wave: 'canary', failed: 1 }] });
    metrics.recordRun({ durationSeconds: 1, states: { error: 3 }, outcome: 'failed', at: failed, waves: [{ wave: 'canary', failed: 2 }] });
    const text = await metrics.metricsText();
    expect(sample(text, 'schema_sync_last_run_timestamp_seconds')).toBe(failed.getTime() / 1000);
    expect(sample(text, 'schema_sync_last_success_timestamp_seconds')).toBe(ok.getTime() / 1000);
    expect(sample(text, 'schema_sync_wave_failures_total{wave="canary"}')).toBe(3);
    expect(() => metrics.recordRun({ durationSeconds: 1, states: {}, outcome: 'ok', waves: [{ wave: 'rest', failed: -1 }] })).toThrow(/waves\.rest\.failed/);
  });

  test('before any pass, the last success is the start of the process, not 1970', async () => {
    const before = Date.now() / 1000;
    const text = await new ReconcileMetrics().metricsText();
    const since = sample(text, 'schema_sync_last_success_timestamp_seconds')!;
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThanOrEqual(Date.now() / 1000);
  });

  test('series exist at zero before the first run, and instances do not share a registry', async () => {
    const a = new ReconcileMetrics();
    const b = new ReconcileMetrics();
    a.recordApply({ durationSeconds: 1, failed: true });
    const text = await b.metricsText();
    expect(sample(text, 'schema_sync_apply_failures_total')).toBe(0);
    expect(sample(text, 'schema_sync_tenants{state="error"}')).toBe(0);
    expect(sample(text, 'schema_sync_runs_total{outcome="failed"}')).toBe(0);
    expect(sample(await a.metricsText(), 'schema_sync_apply_failures_total')).toBe(1);
  });

  test('Node default metrics only when asked for', async () => {
    const text = await new ReconcileMetrics({ defaultMetrics: true }).metricsText();
    expect(text).toMatch(/^schema_sync_process_cpu_seconds_total /m);
  });

  test('a negative or non-finite duration is refused', () => {
    const metrics = new ReconcileMetrics();
    expect(() => metrics.recordApply({ durationSeconds: -1, failed: false })).toThrow(/durationSeconds/);
    expect(() => metrics.recordRun({ durationSeconds: Number.NaN, states: {}, outcome: 'ok' })).toThrow(/durationSeconds/);
  });

  test('/healthz answers ok, anything else is 404', async () => {
    const server = await start(new ReconcileMetrics());
    const base = `http://127.0.0.1:${server.port}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');

    for (const path of ['/', '/metric', '/metrics/extra', '/healthz/x']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      await response.text();
    }
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.text();
  });

  test('close() stops serving', async () => {
    const server = await serveMetrics(new ReconcileMetrics(), { port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${server.port}/healthz`;
    expect((await fetch(url)).status).toBe(200);
    await server.close();
    await expect(fetch(url)).rejects.toThrow();
  });

  test('a port already in use is a clear error naming the port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const attempt = serveMetrics(new ReconcileMetrics(), { port, host: '127.0.0.1' });
      await expect(attempt).rejects.toBeInstanceOf(UserError);
      await expect(attempt).rejects.toThrow(`metrics port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('without a host, the message names the port alone', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(serveMetrics(new ReconcileMetrics(), { port })).rejects.toThrow(
        new RegExp(`^metrics port ${port} is already in use`),
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
