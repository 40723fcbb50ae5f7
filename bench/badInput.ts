/**
 * Bad-input run against ONE engine process: generated hostile requests at N concurrent connections, then slow
 * clients and too many connections; prints engine deaths, answers by status class and kind, every 5xx explained,
 * and whether the engine serves normally afterwards.
 * `node bench/badInput.ts [--requests 100000] [--concurrency 32] [--seed 1]`
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CosClient } from '../core/cos/cosClient.ts';
import { badRequestKinds, seededRandom, type BadRequestContext } from './badRequests.ts';
import { BENCH_TARGET, startEngineProcess, type EngineProcess } from './engineProcess.ts';
import { rawExchange, type RawAnswer } from './rawExchange.ts';
import { printTable, type Cell } from './table.ts';

/** Options of {@link runBadInput}. */
export interface BadInputOptions {
  requests: number;
  concurrency: number;
  seed?: number;
  /** Slow clients (slow headers, slow then stalled bodies) sent after the generated requests. Default 64. */
  slowClients?: number;
  /** Engine idle timeout in seconds for the run (bounds the slow-client phase). Default 5. */
  idleTimeoutSeconds?: number;
  /** Engine connection cap for the run; the too-many-connections phase opens this many plus 200. Default 1024. */
  maxConnections?: number;
  /** Progress lines on stderr. */
  verbose?: boolean;
}

/** Tally of one kind of request. */
export interface KindTally {
  sent: number;
  right: number;
  statuses: Map<string, number>;
}

/** What a run found. */
export interface BadInputReport {
  requests: number;
  /** Engine processes that ended during the run (each is restarted so the count goes on). */
  deaths: string[];
  byClass: Map<string, number>;
  byKind: Map<string, KindTally>;
  /** Answers outside the kind's expected statuses, and 4xx/5xx without a COS XML error document (first 30). */
  wrong: string[];
  wrongCount: number;
  /** Every 5xx with its kind and code. */
  serverErrors: Map<string, number>;
  slow: { clients: number; answered: Map<string, number>; servedMeanwhile: boolean };
  connections: { opened: number; refused: number; servedAfter: boolean };
  servingAfter: boolean;
  tempFilesAfter: number;
  rss: { start: number; peak: number; end: number };
  openFiles: { start: number; end: number };
  seconds: number;
}

const statusClass = (answer: RawAnswer): string => (answer.outcome !== 'answered' ? (answer.outcome === 'timeout' ? 'no answer (timeout)' : 'no answer (closed)') : `${Math.floor(answer.status / 100)}xx`);

async function prepare(engine: EngineProcess): Promise<{ context: BadRequestContext; client: CosClient }> {
  const client = new CosClient({ credentials: { secretId: BENCH_TARGET.secretId, secretKey: BENCH_TARGET.secretKey }, region: BENCH_TARGET.region, endpoint: `http://127.0.0.1:${engine.port}` });
  const existing = randomBytes(100_000);
  await client.putObject(BENCH_TARGET.bucket, 'existing/object', existing);
  const { uploadId } = await client.initiateMultipartUpload(BENCH_TARGET.bucket, 'parts/target');
  return {
    client,
    context: {
      bucket: BENCH_TARGET.bucket, region: BENCH_TARGET.region, credentials: { secretId: BENCH_TARGET.secretId, secretKey: BENCH_TARGET.secretKey },
      uploadId, partKey: 'parts/target', existingKey: 'existing/object', existingSize: existing.length,
    },
  };
}

/** A normal PUT and GET through our client succeed and read back. */
async function servesNormally(client: CosClient): Promise<boolean> {
  try {
    const body = randomBytes(50_000);
    await client.putObject(BENCH_TARGET.bucket, 'after/normal', body);
    const got = await client.getObject(BENCH_TARGET.bucket, 'after/normal');
    return Buffer.concat(await got.body.toArray() as Buffer[]).equals(body);
  } catch {
    return false;
  }
}

/** Slow headers (a byte every 200 ms, never finished) and slow-then-stalled bodies; each must end within the limits. */
async function slowPhase(engine: EngineProcess, context: BadRequestContext, clients: number, client: CosClient, idleSeconds: number): Promise<BadInputReport['slow']> {
  const answered = new Map<string, number>();
  const kinds = badRequestKinds();
  const put = kinds.find((kind) => kind.name === 'short body then close')!;
  const random = seededRandom(7);
  const runs = Array.from({ length: clients }, (_, index) => {
    const base = put.build(random, context);
    const slowHead = index % 2 === 0;
    const rawCase = slowHead
      ? { head: `GET /existing/object HTTP/1.1\r\nHost: ${context.bucket}.cos.${context.region}.myqcloud.com\r\nX-Slow: ${'s'.repeat(2000)}`, body: Buffer.alloc(0), ending: 'stall' as const, trickle: { bytes: 1, everyMs: 200 } }
      : { ...base, body: base.body.subarray(0, 10_000), ending: 'stall' as const, trickle: { bytes: 1000, everyMs: 100 } };
    return rawExchange(engine.port, rawCase, (idleSeconds + 40) * 1000).then((answer) => {
      const name = `${slowHead ? 'slow headers' : 'stalled body'}: ${answer.outcome === 'answered' ? `${answer.status} ${answer.code ?? ''}`.trim() : answer.outcome}`;
      answered.set(name, (answered.get(name) ?? 0) + 1);
    });
  });
  const servedMeanwhile = await servesNormally(client);
  await Promise.all(runs);
  return { clients, answered, servedMeanwhile };
}

/** Opens more idle connections than the engine allows; the extra ones are refused and, once they go, a normal request is served. */
async function connectionPhase(engine: EngineProcess, maxConnections: number, client: CosClient): Promise<BadInputReport['connections']> {
  const opened: Socket[] = [];
  const closed = new Set<Socket>();
  const total = maxConnections + 200;
  await Promise.all(Array.from({ length: total }, () => new Promise<void>((resolve) => {
    const socket = connect(engine.port, '127.0.0.1');
    opened.push(socket);
    socket.on('error', () => {});
    socket.once('connect', () => resolve());
    socket.once('close', () => {
      closed.add(socket);
      resolve();
    });
  })));
  // Give the engine a moment to close what is beyond its cap.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const refused = closed.size;
  for (const socket of opened) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { opened: total, refused, servedAfter: await servesNormally(client) };
}

/** Runs the whole bad-input bench against a fresh engine child process; the caller prints the report. */
export async function runBadInput(options: BadInputOptions): Promise<BadInputReport> {
  const started = performance.now();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cos-sync-bad-input-'));
  const idleSeconds = options.idleTimeoutSeconds ?? 5;
  const maxConnections = options.maxConnections ?? 1024;
  const engineArgs = ['--idle-timeout', String(idleSeconds), '--max-connections', String(maxConnections)];
  let engine = await startEngineProcess(dataDir, engineArgs);
  const deaths: string[] = [];
  const watch = (current: EngineProcess): void => {
    void current.exited.then((how) => {
      if (engine === current && !stopping) deaths.push(`${how}; stderr ends: ${current.stderr().slice(-2000)}`);
    });
  };
  let stopping = false;
  watch(engine);
  let { context, client } = await prepare(engine);
  const rss = { start: engine.rss(), peak: engine.rss(), end: 0 };
  const openFiles = { start: engine.openFiles(), end: 0 };
  const kinds = badRequestKinds();
  const random = seededRandom(options.seed ?? 1);
  const byClass = new Map<string, number>();
  const byKind = new Map<string, KindTally>(kinds.map((kind) => [kind.name, { sent: 0, right: 0, statuses: new Map() }]));
  const serverErrors = new Map<string, number>();
  const wrong: string[] = [];
  let wrongCount = 0;
  let next = 0;
  let restarting: Promise<void> | undefined;
  const worker = async (): Promise<void> => {
    while (next < options.requests) {
      const index = next++;
      if (restarting) await restarting;
      if (!engine.alive()) {
        restarting ??= (async () => {
          engine = await startEngineProcess(dataDir, engineArgs);
          watch(engine);
          await client.close();
          ({ context, client } = await prepare(engine));
        })().finally(() => (restarting = undefined));
        await restarting;
      }
      const kind = kinds[index % kinds.length]!;
      const rawCase = kind.build(random, context);
      const answer = await rawExchange(engine.port, rawCase, (idleSeconds + 20) * 1000);
      const tally = byKind.get(kind.name)!;
      tally.sent++;
      const label = answer.outcome === 'answered' ? `${answer.status}${answer.code ? ` ${answer.code}` : ''}` : answer.outcome;
      tally.statuses.set(label, (tally.statuses.get(label) ?? 0) + 1);
      const cls = statusClass(answer);
      byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
      if (answer.status >= 500) serverErrors.set(`${kind.name}: ${label}`, (serverErrors.get(`${kind.name}: ${label}`) ?? 0) + 1);
      const right = answer.outcome === 'answered' ? kind.expect.includes(answer.status) && answer.xmlError : kind.expect.includes(0);
      if (right) tally.right++;
      else {
        wrongCount++;
        if (wrong.length < 30) wrong.push(`${kind.name}: ${label}${answer.xmlError ? '' : ' (no COS XML error document)'}`);
      }
      if (index % 2000 === 0) {
        rss.peak = Math.max(rss.peak, engine.rss());
        if (options.verbose) process.stderr.write(`bad input: ${index}/${options.requests}, deaths ${deaths.length}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  rss.peak = Math.max(rss.peak, engine.rss());
  if (options.verbose) process.stderr.write('bad input: slow clients\n');
  const slow = await slowPhase(engine, context, options.slowClients ?? 64, client, idleSeconds);
  if (options.verbose) process.stderr.write('bad input: too many connections\n');
  const connections = await connectionPhase(engine, maxConnections, client);
  rss.peak = Math.max(rss.peak, engine.rss());
  const servingAfter = await servesNormally(client);
  // Temporary blobs are discarded right after each failed request; give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const tempFilesAfter = (await readdir(path.join(dataDir, 'tmp')).catch(() => [])).length;
  rss.end = engine.rss();
  openFiles.end = engine.openFiles();
  stopping = true;
  await client.close();
  await engine.stop();
  await rm(dataDir, { recursive: true, force: true });
  return {
    requests: options.requests, deaths, byClass, byKind, wrong, wrongCount, serverErrors, slow, connections, servingAfter, tempFilesAfter, rss, openFiles,
    seconds: (performance.now() - started) / 1000,
  };
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

/** Prints the report as tables. */
export function printBadInput(report: BadInputReport, concurrency: number): void {
  printTable(`Bad input: ${report.requests.toLocaleString('en-US')} generated requests at ${concurrency} connections against one engine process (${report.seconds.toFixed(0)} s)`, ['measure', 'value'], [
    ['engine deaths', report.deaths.length],
    ...[...report.byClass].toSorted().map(([name, count]): Cell[] => [`answers ${name}`, count]),
    ['answers outside the expected status, or without a COS XML error', report.wrongCount],
    ['5xx answers', [...report.serverErrors.values()].reduce((sum, count) => sum + count, 0)],
    ['engine serves a normal PUT + GET afterwards', report.servingAfter ? 'yes' : 'NO'],
    ['temporary blob files left', report.tempFilesAfter],
    ['engine RSS MiB start / peak / end', `${mib(report.rss.start)} / ${mib(report.rss.peak)} / ${mib(report.rss.end)}`],
    ['engine open files start / end', `${report.openFiles.start} / ${report.openFiles.end}`],
  ]);
  printTable('Bad input by kind', ['kind', 'sent', 'right', 'answers'], [...report.byKind].map(([name, tally]) => [
    name, tally.sent, tally.right, [...tally.statuses].toSorted((a, b) => b[1] - a[1]).map(([label, count]) => `${label} ×${count}`).join(', '),
  ]));
  if (report.serverErrors.size > 0) printTable('5xx answers explained', ['kind: answer', 'count'], [...report.serverErrors]);
  printTable('Slow clients and connection flood', ['phase', 'result'], [
    [`${report.slow.clients} slow clients`, [...report.slow.answered].map(([label, count]) => `${label} ×${count}`).join(', ')],
    ['normal request served while they hung', report.slow.servedMeanwhile ? 'yes' : 'NO'],
    [`${report.connections.opened} connections opened at once`, `${report.connections.refused} closed by the engine`],
    ['normal request served after the flood', report.connections.servedAfter ? 'yes' : 'NO'],
  ]);
  if (report.wrong.length > 0) console.log(`Unexpected answers (first ${report.wrong.length}):\n${report.wrong.map((line) => `- ${line}`).join('\n')}\n`);
  if (report.deaths.length > 0) console.log(`Engine deaths:\n${report.deaths.map((line) => `- ${line}`).join('\n')}\n`);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, seed: { type: 'string' } } });
  const concurrency = Number(values.concurrency ?? 32);
  const report = await runBadInput({ requests: Number(values.requests ?? 100_000), concurrency, seed: Number(values.seed ?? 1), verbose: true });
  printBadInput(report, concurrency);
  process.exitCode = report.deaths.length === 0 && report.servingAfter ? 0 : 1;
}
