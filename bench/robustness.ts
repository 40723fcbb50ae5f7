/**
 * The robustness run of issue 14, one engine process per part: load (64 clients, 60 s), bad input (100,000
 * generated requests, slow clients, a connection flood) and crashes (kill -9 at 20 random moments under load).
 * `npm run bench:robustness [-- --quick]` (--quick: a few minutes instead of an hour).
 */
import { parseArgs } from 'node:util';
import { printBadInput, runBadInput } from './badInput.ts';
import { printCrashes, runCrashes } from './crashes.ts';
import { printLoad, runLoad } from './load.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const quick = values.quick === true;
const load = await runLoad({ clients: quick ? 16 : 64, seconds: quick ? 15 : 60 });
printLoad(load);
const concurrency = 32;
const badInput = await runBadInput({ requests: quick ? 5_000 : 100_000, concurrency, verbose: true });
printBadInput(badInput, concurrency);
const crashes = await runCrashes({ rounds: quick ? 5 : 20, clients: 16 });
printCrashes(crashes);
const crashProblems = crashes.finalProblems.length + crashes.rounds.reduce((sum, round) => sum + round.problems.length, 0);
process.exitCode = load.errorCount + load.engineDeaths + badInput.deaths.length + crashProblems + crashes.rewrapRemaining === 0 && badInput.servingAfter ? 0 : 1;
