/**
 * kill -9 of ONE engine process at random moments under load, again and again on one data directory: after each
 * restart every acknowledged write reads back intact, a write that was in flight is either absent or whole, the
 * store is consistent, and a rotation and rewrap interrupted by the kill resume.
 * `node bench/crashes.ts [--rounds 20] [--clients 16]`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AdminClient } from '../core/engine/admin/adminClient.ts';
import { readAdminAddress } from '../core/engine/admin/adminFile.ts';
import { crc64 } from '../core/protocol/crc64.ts';
import { assertStoreConsistent } from '../test/engine-peers/assertStoreConsistent.ts';
import { seededRandom } from './badRequests.ts';
import { BENCH_TARGET, startEngineProcess, type EngineProcess } from './engineProcess.ts';
import { benchClient, WorkloadClient, type Operation, type StoredObject } from './objectWorkload.ts';
import { printTable } from './table.ts';

/** Writes and reads only: a delete in flight at the kill would make "what must exist" ambiguous. */
const CRASH_MIX: [Operation, number][] = [['PUT', 45], ['multipart', 15], ['copy', 15], ['GET', 25]];

/** Options of {@link runCrashes}. */
export interface CrashOptions {
  rounds: number;
  clients: number;
  seed?: number;
}

/** One kill and what the restart found. */
export interface CrashRound {
  round: number;
  killedAfterMs: number;
  acknowledged: number;
  inFlight: number;
  /** In-flight writes that turned out complete after the restart (committed just before the kill). */
  inFlightCommitted: number;
  rotatedAndRewrapping: boolean;
  problems: string[];
}

/** What the whole run found. */
export interface CrashReport {
  rounds: CrashRound[];
  acknowledgedTotal: number;
  finalProblems: string[];
  /** Data keys still sealed by older master key versions after the last restart's sweep. */
  rewrapRemaining: number;
  activeKeyVersion: number;
}

/** Reads `key`: 'missing', or whether it holds exactly `object`. */
async function readBack(endpoint: string, key: string, object: StoredObject): Promise<'missing' | 'intact' | string> {
  const client = benchClient(endpoint);
  try {
    const got = await client.getObject(BENCH_TARGET.bucket, key);
    const body = Buffer.concat(await got.body.toArray() as Buffer[]);
    if (body.length !== object.size) return `size ${body.length}, expected ${object.size}`;
    return crc64(body).toString() === object.crc64 ? 'intact' : 'content differs';
  } catch (error) {
    if ((error as { code?: string }).code === 'NoSuchKey') return 'missing';
    return `read failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await client.close();
  }
}

async function verifyAll(endpoint: string, objects: Map<string, StoredObject>, must: boolean, problems: string[]): Promise<number> {
  let present = 0;
  const entries = [...objects];
  for (let index = 0; index < entries.length; index += 16) {
    await Promise.all(entries.slice(index, index + 16).map(async ([key, object]) => {
      const state = await readBack(endpoint, key, object);
      if (state === 'intact') present++;
      else if (state !== 'missing' || must) problems.push(`${key}: ${state}`);
    }));
  }
  return present;
}

/** Runs the rounds; the caller prints the report. */
export async function runCrashes(options: CrashOptions): Promise<CrashReport> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cos-sync-crashes-'));
  const random = seededRandom(options.seed ?? 3);
  const acknowledged = new Map<string, StoredObject>();
  const rounds: CrashRound[] = [];
  let engine: EngineProcess = await startEngineProcess(dataDir);
  try {
    for (let round = 0; round < options.rounds; round++) {
      const endpoint = `http://127.0.0.1:${engine.port}`;
      const inFlight = new Map<string, StoredObject>();
      const thisRound = new Map<string, StoredObject>();
      const rotatedAndRewrapping = round % 3 === 1;
      if (rotatedAndRewrapping) {
        // A rotation, then a slow sweep (one data key per commit) that the kill will most likely interrupt.
        const admin = new AdminClient((await readAdminAddress(dataDir))!);
        await admin.rotate();
        void admin.rewrap({ batchSize: 1 }).catch(() => {});
      }
      const clients = Array.from({ length: options.clients }, () => benchClient(endpoint));
      const workers = clients.map((client, index) => new WorkloadClient(client, `crash/${round}/${index}/`, seededRandom(Math.floor(random() * 2 ** 31)), CRASH_MIX));
      const killedAfterMs = 500 + Math.floor(random() * 3500);
      const state = { killed: false };
      const runs = workers.map(async (worker) => {
        while (!state.killed) {
          await worker.step({
            onStart: (key, object) => inFlight.set(key, object),
            onAcknowledged: (key, object) => {
              inFlight.delete(key);
              thisRound.set(key, object);
              acknowledged.set(key, object);
            },
          }).catch(() => {});
        }
      });
      await new Promise((resolve) => setTimeout(resolve, killedAfterMs));
      state.killed = true;
      await engine.kill9();
      await Promise.all(runs);
      await Promise.all(clients.map((client) => client.close()));
      engine = await startEngineProcess(dataDir);
      const problems: string[] = [];
      try {
        assertStoreConsistent(dataDir);
      } catch (error) {
        problems.push(`store: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      const restarted = `http://127.0.0.1:${engine.port}`;
      await verifyAll(restarted, thisRound, true, problems);
      const inFlightCommitted = await verifyAll(restarted, inFlight, false, problems);
      rounds.push({ round, killedAfterMs, acknowledged: thisRound.size, inFlight: inFlight.size, inFlightCommitted, rotatedAndRewrapping, problems });
      for (const [key, object] of inFlight) if ((await readBack(restarted, key, object)) === 'intact') acknowledged.set(key, object);
    }
    // The last restart's background sweep resumes what the kills interrupted; wait for it to drain.
    const admin = new AdminClient((await readAdminAddress(dataDir))!);
    const deadline = Date.now() + 120_000;
    let status = await admin.status();
    const remaining = (): number => status.filter((row) => row.state !== 'active').reduce((sum, row) => sum + row.objects + row.parts, 0);
    while (remaining() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = await admin.status();
    }
    const finalProblems: string[] = [];
    await verifyAll(`http://127.0.0.1:${engine.port}`, acknowledged, true, finalProblems);
    return {
      rounds, acknowledgedTotal: acknowledged.size, finalProblems, rewrapRemaining: remaining(),
      activeKeyVersion: status.find((row) => row.keyId === 'sse-cos' && row.state === 'active')?.version ?? 0,
    };
  } finally {
    await engine.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Prints the report as tables. */
export function printCrashes(report: CrashReport): void {
  printTable(`Crashes: kill -9 of the engine at ${report.rounds.length} random moments under load (one data directory)`, ['round', 'killed after ms', 'acknowledged writes', 'in flight', 'in flight found whole', 'rotation + rewrap running', 'problems'],
    report.rounds.map((round) => [round.round + 1, round.killedAfterMs, round.acknowledged, round.inFlight, round.inFlightCommitted, round.rotatedAndRewrapping ? 'yes' : '', round.problems.length]));
  printTable('Crashes: after the last restart', ['measure', 'value'], [
    ['acknowledged writes, all rounds', report.acknowledgedTotal],
    ['unreadable, missing or changed', report.finalProblems.length],
    ['problems found after restarts', report.rounds.reduce((sum, round) => sum + round.problems.length, 0)],
    ['active master key version', report.activeKeyVersion],
    ['data keys still sealed by older versions after the resumed sweep', report.rewrapRemaining],
  ]);
  const all = [...report.rounds.flatMap((round) => round.problems.map((problem) => `round ${round.round + 1}: ${problem}`)), ...report.finalProblems];
  if (all.length > 0) console.log(`Problems (first 30):\n${all.slice(0, 30).map((line) => `- ${line}`).join('\n')}\n`);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, clients: { type: 'string' }, seed: { type: 'string' } } });
  const report = await runCrashes({ rounds: Number(values.rounds ?? 20), clients: Number(values.clients ?? 16), seed: Number(values.seed ?? 3) });
  printCrashes(report);
  const problems = report.finalProblems.length + report.rounds.reduce((sum, round) => sum + round.problems.length, 0);
  process.exitCode = problems === 0 && report.rewrapRemaining === 0 ? 0 : 1;
}
