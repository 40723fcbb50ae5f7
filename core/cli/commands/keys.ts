/** `cos-sync keys status|rotate|rewrap|retire --data DIR`: the engine's master keys, through the running engine or on a stopped one. */
import { describeError } from '../../common/errors.ts';
import { openDataDirKeys, type DataDirKeys } from '../../engine/dataDirKeys.ts';
import { integerOption, parseCommandLine, UsageError } from '../arguments.ts';
import { progressBar } from '../progressBar.ts';

const usage = `Usage: cos-sync keys <status|rotate|rewrap|retire VERSION> --data DIR [--key-id ID] [--batch-size N]

  status          each master key version, its state, creation date and how many objects/parts it still seals
  rotate          make a new master key version active (new writes use it at once); with --rewrap, then re-seal
  rewrap          re-seal every data key under the active versions, with progress (keys/s, ETA);
                  Ctrl-C stops it after the current batch, and running it again continues where it stopped
  retire VERSION  delete a non-active version that no longer seals anything

They work the same whether or not an engine runs on DIR: a running engine (the app, \`serve\` or \`engine\`) does the
work itself through its local admin channel (DIR/admin.json), so reads and writes go on; a stopped one is opened
directly. The app's Rotate button is \`rotate --rewrap\`. --key-id names a KMS key instead of the SSE-COS master key;
--batch-size sets the data keys re-sealed per index commit (default 200).`;

function printStatus(rows: Awaited<ReturnType<DataDirKeys['status']>>): void {
  const lines = rows.map((row) => [row.keyId, `v${row.version}`, row.state, row.createdAt, `${row.objects} objects`, `${row.parts} parts`]);
  const widths = lines[0]?.map((_, column) => Math.max(...lines.map((line) => line[column]!.length))) ?? [];
  for (const line of lines) console.log(line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/** Runs the sweep with a progress line; Ctrl-C stops it after the running batch. Returns the exit code. */
async function rewrap(keys: DataDirKeys, dataDir: string, batchSize: number | undefined): Promise<number> {
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let bar: ReturnType<typeof progressBar> | undefined;
  try {
    const result = await keys.rewrap({
      ...(batchSize === undefined ? {} : { batchSize }),
      signal: abort.signal,
      onProgress: (progress) => {
        bar ??= progressBar(progress.total, process.stderr, { rateUnit: ' keys/s', plainIntervalMs: 2000 });
        bar.update(progress.rewrapped + progress.failed, progress.failed > 0 ? `${progress.failed} failed` : '');
      },
    });
    bar?.clear();
    console.log(`Re-sealed ${result.rewrapped} data key(s); ${result.failed} failed; ${result.remaining} still sealed by older versions.`);
    if (result.interrupted) {
      console.error(`Interrupted. What is done stays done; run \`cos-sync keys rewrap --data ${dataDir}\` again to continue.`);
      return 130;
    }
    return result.failed > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    data: { type: 'string' }, 'key-id': { type: 'string' }, rewrap: { type: 'boolean' }, 'batch-size': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [action, versionText, ...extra] = positionals;
  if (typeof values.data !== 'string' || values.data === '') throw new UsageError('--data DIR is required.');
  if (extra.length > 0 || (action !== 'retire' && versionText !== undefined)) throw new UsageError(`Unexpected arguments: ${[...(action === 'retire' ? [] : [versionText]), ...extra].join(' ')}`);
  if (values.rewrap && action !== 'rotate') throw new UsageError('--rewrap goes with keys rotate.');
  if (!['status', 'rotate', 'rewrap', 'retire'].includes(action ?? '')) {
    throw new UsageError(action === undefined ? `A keys action is required.\n\n${usage}` : `Unknown keys action '${action}'.`);
  }
  if (action === 'retire' && versionText === undefined) throw new UsageError('keys retire needs a VERSION.');
  const version = action === 'retire' ? integerOption(versionText!.replace(/^v/, ''), 'version', 0) : 0;
  const batchSize = values['batch-size'] === undefined ? undefined : integerOption(values['batch-size'], 'batch-size', 200);
  if (batchSize !== undefined && batchSize > 10_000) throw new UsageError('--batch-size must be at most 10000.');
  const dataDir = values.data;
  const keyId = values['key-id'] as string | undefined;
  let keys: DataDirKeys | undefined;
  try {
    keys = await openDataDirKeys(dataDir);
    switch (action) {
      case 'status':
        printStatus(await keys.status());
        return 0;
      case 'rotate': {
        const rotated = await keys.rotate(keyId);
        console.log(`Rotated ${rotated.keyId}: version ${rotated.version} is now active.${values.rewrap ? '' : ` Run \`cos-sync keys rewrap --data ${dataDir}\` to re-seal older objects.`}`);
        return values.rewrap ? await rewrap(keys, dataDir, batchSize) : 0;
      }
      case 'rewrap':
        return await rewrap(keys, dataDir, batchSize);
      default:
        await keys.retire(version, keyId);
        console.log(`Retired version ${version} of ${keyId ?? 'sse-cos'}.`);
        return 0;
    }
  } catch (error) {
    console.error(`cos-sync keys: ${describeError(error)}`);
    return 1;
  } finally {
    await keys?.close();
  }
}
