/**
 * Load against ONE engine process: N concurrent clients for S seconds, a mix of PUT, GET, ranged GET, multipart,
 * copy, list and delete with SSE, every read verified; prints errors, latency per operation and the engine's RSS.
 * `node bench/load.ts [--clients 64] [--seconds 60]`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from './badRequests.ts';
import { startEngineProcess } from './engineProcess.ts';
import { benchClient, OPERATIONS, WorkloadClient, type Operation } from './objectWorkload.ts';
import { printTable } from './table.ts';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  clients: number;
  seconds: number;
  seed?: number;
}

/** What a load run measured. */
export interface LoadReport {
  clients: number;
  seconds: number;
  operations: number;
  errors: string[];
  errorCount: number;
  /** Milliseconds per operation, sorted. */
  latencies: Map<Operation, number[]>;
  rss: { start: number; peak: number; end: number };
  engineDeaths: number;
}

/** Runs the load against a fresh engine child process. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cos-sync-load-'));
  const engine = await startEngineProcess(dataDir);
  const random = seededRandom(options.seed ?? 2);
  const endpoint = `http://127.0.0.1:${engine.port}`;
  const clients = Array.from({ length: options.clients }, (_, index) => ({ http: benchClient(endpoint), prefix: `load/${index}/` }));
  const workers = clients.map(({ http, prefix }) => new WorkloadClient(http, prefix, seededRandom(Math.floor(random() * 2 ** 31))));
  const latencies = new Map<Operation, number[]>(OPERATIONS.map((operation) => [operation, []]));
  const errors: string[] = [];
  let errorCount = 0;
  let operations = 0;
  const rss = { start: engine.rss(), peak: engine.rss(), end: 0 };
  const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, engine.rss())), 500);
  const deadline = performance.now() + options.seconds * 1000;
  await Promise.all(workers.map(async (worker) => {
    while (performance.now() < deadline && engine.alive()) {
      const started = performance.now();
      try {
        const operation = await worker.step();
        latencies.get(operation)!.push(performance.now() - started);
        operations++;
      } catch (error) {
        errorCount++;
        if (errors.length < 20) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  }));
  clearInterval(sampler);
  // Let the engine settle (group commits, freed buffers) before the last sample.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  rss.end = engine.rss();
  const engineDeaths = engine.alive() ? 0 : 1;
  await Promise.all(clients.map(({ http }) => http.close()));
  await engine.stop();
  await rm(dataDir, { recursive: true, force: true });
  for (const values of latencies.values()) values.sort((a, b) => a - b);
  return { clients: options.clients, seconds: options.seconds, operations, errors, errorCount, latencies, rss, engineDeaths };
}

const percentile = (values: number[], fraction: number): string => (values.length === 0 ? '–' : values[Math.min(values.length - 1, Math.floor(values.length * fraction))]!.toFixed(1));
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

/** Prints the report as tables. */
export function printLoad(report: LoadReport): void {
  printTable(`Load: ${report.clients} clients for ${report.seconds} s against one engine process (SSE-COS on every write, every read verified)`, ['measure', 'value'], [
    ['operations', report.operations],
    ['errors (failed requests or wrong reads)', report.errorCount],
    ['engine deaths', report.engineDeaths],
    ['engine RSS MiB start / peak / end', `${mib(report.rss.start)} / ${mib(report.rss.peak)} / ${mib(report.rss.end)}`],
  ]);
  printTable('Load: latency per operation (ms)', ['operation', 'count', 'p50', 'p99'], OPERATIONS.map((operation) => {
    const values = report.latencies.get(operation)!;
    return [operation, values.length, percentile(values, 0.5), percentile(values, 0.99)];
  }));
  if (report.errors.length > 0) console.log(`Errors (first ${report.errors.length}):\n${report.errors.map((line) => `- ${line}`).join('\n')}\n`);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { clients: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' } } });
  const report = await runLoad({ clients: Number(values.clients ?? 64), seconds: Number(values.seconds ?? 60), seed: Number(values.seed ?? 2) });
  printLoad(report);
  process.exitCode = report.errorCount === 0 && report.engineDeaths === 0 ? 0 : 1;
}
