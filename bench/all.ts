/**
 * `npm run bench`: every `bench:*` script of package.json in order, one after the other in one run, each printing
 * its tables (peers side by side, ratio columns). A bench another part of the project adds as `bench:NAME` joins
 * the run by itself. Per-bench environment defaults keep the whole run within about an hour on this machine.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Environment defaults per bench (an explicit variable wins): rows another bench already covers are left out. */
const DEFAULTS: Record<string, Record<string, string>> = {
  // The small-file, large-file and 100,000-file rows live in bench:clients and bench:rescan.
  'bench:sync': { BENCH_SYNC_ROWS: 'latency' },
};
/** `BENCH_ONLY=engine,clients` runs a subset. */
const only = process.env.BENCH_ONLY?.split(',').map((name) => `bench:${name}`);

const scripts = Object.entries((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts)
  .filter(([name]) => name.startsWith('bench:') && (!only || only.includes(name)));
const failed: string[] = [];
const started = performance.now();
console.log(`# cos-sync benches (Node ${process.version}, ${new Date().toISOString()}): ${scripts.map(([name]) => name).join(', ')}\n`);
for (const [name, command] of scripts) {
  console.log(`## ${name}: ${command}\n`);
  // `node` in the scripts must be this Node (24, from the `node` devDependency), also when this file is run directly.
  const env = { ...DEFAULTS[name], ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(command, { cwd: ROOT, env, shell: true, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', resolve);
  });
  if (code !== 0) failed.push(`${name} (exit ${code})`);
}
console.log(`All benches took ${((performance.now() - started) / 60_000).toFixed(1)} min.${failed.length ? ` Failed: ${failed.join(', ')}.` : ''}`);
process.exitCode = failed.length ? 1 : 0;
