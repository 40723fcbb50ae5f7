/** `cos-sync keys status|rotate|rewrap|retire --data DIR`: the engine's master keys (engine stopped, except status). */
import { describeError } from '../../common/errors.ts';
import { keyStatus, retireKey, rewrapKeys, rotateKey } from '../../engine/keys/offlineKeys.ts';
import { integerOption, parseCommandLine, UsageError } from '../arguments.ts';

const usage = `Usage: cos-sync keys <status|rotate|rewrap|retire VERSION> --data DIR [--key-id ID]

  status          each master key version, its state, creation date and how many objects/parts it still seals
  rotate          make a new master key version active (new writes use it; run rewrap next)
  rewrap          re-seal every data key under the active versions (resumable; safe to interrupt and re-run)
  retire VERSION  delete a non-active version that no longer seals anything

--key-id names a KMS key instead of the SSE-COS master key (sse-cos). rotate, rewrap and retire need the
engine to be stopped; the running app offers the same through its Rotate button.`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, { data: { type: 'string' }, 'key-id': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const [action, versionText, ...extra] = positionals;
  if (typeof values.data !== 'string' || values.data === '') throw new UsageError('--data DIR is required.');
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}`);
  const dataDir = values.data;
  const keyId = values['key-id'] as string | undefined;
  try {
    switch (action) {
      case 'status': {
        const rows = await keyStatus(dataDir);
        const lines = rows.map((row) => [row.keyId, `v${row.version}`, row.state, row.createdAt, `${row.objects} objects`, `${row.parts} parts`]);
        const widths = lines[0]?.map((_, column) => Math.max(...lines.map((line) => line[column]!.length))) ?? [];
        for (const line of lines) console.log(line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
        return 0;
      }
      case 'rotate': {
        const rotated = await rotateKey(dataDir, keyId);
        console.log(`Rotated ${rotated.keyId}: version ${rotated.version} is now active. Run \`cos-sync keys rewrap --data ${dataDir}\` to re-seal older objects.`);
        return 0;
      }
      case 'rewrap': {
        const result = await rewrapKeys(dataDir);
        console.log(`Re-sealed ${result.rewrapped} data key(s); ${result.failed} failed; ${result.remaining} still sealed by older versions.`);
        return result.failed > 0 ? 1 : 0;
      }
      case 'retire': {
        if (versionText === undefined) throw new UsageError('keys retire needs a VERSION.');
        const version = integerOption(versionText.replace(/^v/, ''), 'version', 0);
        await retireKey(dataDir, version, keyId);
        console.log(`Retired version ${version} of ${keyId ?? 'sse-cos'}.`);
        return 0;
      }
      default:
        throw new UsageError(action === undefined ? `A keys action is required.\n\n${usage}` : `Unknown keys action '${action}'.`);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    console.error(`cos-sync keys: ${describeError(error)}`);
    return 1;
  }
}
