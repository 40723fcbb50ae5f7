/** `cos-sync sync DIR`: keeps a folder pushed to a bucket with server-side encryption (watching, or `--once`). */
import os from 'node:os';
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { describeEncryption } from '../../protocol/serverSideEncryption.ts';
import { startFolderSync } from '../../app/folderSync.ts';
import { DEFAULT_RETENTION_DAYS } from '../../app/versionRetention.ts';
import { errorCount } from '../../sync/journalErrors.ts';
import type { FileStatusEvent, FolderStatusEvent } from '../../sync/syncStatus.ts';
import { integerOption, parseCommandLine, UsageError } from '../arguments.ts';
import { connectionOptionHelp, connectionOptionSpec, failureText, formatBytes, parseConnection } from '../connectionOptions.ts';

const options = {
  ...connectionOptionSpec,
  once: { type: 'boolean' },
  journal: { type: 'string' },
  delete: { type: 'string' },
  'bandwidth-limit': { type: 'string' },
  'keep-versions': { type: 'string' },
  transfers: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `--help` text. */
export const syncHelp = `Usage: cos-sync sync DIR --bucket NAME-APPID --region REGION [options]

Keeps DIR pushed to the bucket: every new or changed file is uploaded with server-side encryption,
checked (the server must confirm the encryption and the CRC-64), and recorded in a journal so that
unchanged files are never read again. Renames become server-side copies. Local deletes keep the remote
object unless --delete says otherwise. Watches until Ctrl-C.

Options:
${connectionOptionHelp}
  --once                  scan and upload once, then exit (0 when everything is in sync)
  --delete POLICY         keep (default: never delete remote objects), mirror (needs a .cos-sync-root file
                          in DIR; large batches stop and ask) or backup (move to .cos-sync-trash/ instead)
  --bandwidth-limit N     upload at most N bytes/s (e.g. 2M)
  --keep-versions DAYS    make the bucket keep old versions of files for DAYS days (or 'forever') so that an
                          overwrite or delete can be undone: turns versioning on (a suspended bucket stays
                          suspended) and sets a lifecycle rule that removes older versions after DAYS days.
                          Default with --endpoint (the bundled engine): 30. Default on real COS, or 'off':
                          the bucket's versioning and lifecycle are left as they are.
  --transfers N           files uploaded in parallel (default 32; many small files are bound by round trips)
  --journal FILE          journal database (default ~/.cos-sync/cli-journal.sqlite)
  -h, --help              show this help

Exit status: 0 in sync (or stopped with Ctrl-C), 1 when files failed, 2 on usage errors.`;

function describeFile(event: FileStatusEvent): string | undefined {
  switch (event.state) {
    case 'synced':
      return `uploaded  ${event.path}  ${describeEncryption(event.encryption)} confirmed  crc64 ok`;
    case 'identical':
      return `identical ${event.path}  already stored with the same CRC-64`;
    case 'error':
      return `failed    ${event.path}  ${event.message}${event.hint ? ` ${event.hint}` : ''} (retry at ${new Date(event.nextRetryAt).toLocaleTimeString()})`;
    case 'excluded':
      return `skipped   ${event.path}  ${event.reason}`;
    case 'deleted-remote':
      return `deleted   ${event.path}  (remote copy removed, --delete mirror)`;
    default:
      return undefined;
  }
}

function describeFolder(event: FolderStatusEvent, once: boolean): string | undefined {
  switch (event.state) {
    case 'offline':
      // --once stops at the first offline state, so there is no retry to announce.
      return once ? undefined : `offline: the endpoint does not answer; retrying at ${new Date(event.nextProbeAt).toLocaleTimeString()}`;
    case 'error':
      return `error: ${event.message}${event.hint ? ` ${event.hint}` : ''}`;
    case 'confirm-deletes':
      return `waiting: ${event.count} remote objects would be deleted; nothing was deleted. Run with --delete keep, or check the folder and confirm in the app.`;
    case 'syncing':
      return process.stderr.isTTY ? `syncing ${event.filesDone}/${event.filesTotal} files, ${formatBytes(event.bytesDone)}/${formatBytes(event.bytesTotal)}, ${formatBytes(event.rate)}/s` : undefined;
    default:
      return undefined;
  }
}

/** `--bandwidth-limit` in bytes/s: a number with an optional K, M or G (binary) suffix; absent = 0 (no limit). */
function parseRate(text: string | undefined): number {
  if (text === undefined) return 0;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--bandwidth-limit must be a number of bytes per second such as 500K or 2M (got '${text}').`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(match[1]) * unit);
}

/** `--keep-versions`: days, null for 'forever', undefined for 'off'; default 30 days with --endpoint, off on real COS. */
function parseKeepVersions(text: string | undefined, endpoint: string | undefined): number | null | undefined {
  if (text === undefined) return endpoint === undefined ? undefined : DEFAULT_RETENTION_DAYS;
  if (text === 'off') return undefined;
  if (text === 'forever') return null;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 3650) throw new UsageError(`--keep-versions must be a number of days (1-3650), forever or off (got '${text}').`);
  return Number(text);
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, options);
  if (values.help) {
    console.log(syncHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('Name exactly one folder: cos-sync sync DIR --bucket NAME-APPID --region REGION.');
  const localPath = path.resolve(positionals[0]!);
  if (!(await stat(localPath).catch(() => undefined))?.isDirectory()) throw new UsageError(`'${positionals[0]}' is not a folder.`);
  const connection = parseConnection(values);
  const policy = (values.delete as string | undefined) ?? 'keep';
  if (policy !== 'keep' && policy !== 'mirror' && policy !== 'backup') throw new UsageError(`--delete must be keep, mirror or backup (got '${policy}').`);
  const bandwidthLimit = parseRate(values['bandwidth-limit'] as string | undefined);
  const once = Boolean(values.once);
  const transfers = integerOption(values.transfers as string | undefined, 'transfers', 32);
  if (transfers < 1) throw new UsageError('--transfers must be at least 1.');
  const keepVersionsDays = parseKeepVersions(values['keep-versions'] as string | undefined, connection.endpoint);

  const sync = await startFolderSync({
    localPath,
    ...connection,
    journalPath: (values.journal as string | undefined) ?? path.join(os.homedir(), '.cos-sync', 'cli-journal.sqlite'),
    deletePolicy: policy,
    watch: !once,
    bandwidthLimit,
    transfers,
    ...(keepVersionsDays !== undefined ? { keepVersionsDays } : {}),
  });
  if (sync.retentionError !== undefined) console.error(`Could not make ${connection.bucket} keep old versions: ${failureText(sync.retentionError, connection.bucket, connection.region)}`);
  if (sync.retention) {
    const { versioning, retentionDays } = sync.retention;
    console.error(versioning === 'Enabled'
      ? `Versioning is on: old versions are kept ${retentionDays === null ? 'until deleted' : `for ${retentionDays} days`}.`
      : `Versioning of ${connection.bucket} is suspended (left as it was): an overwrite cannot be undone.`);
  }
  let lastFolderLine = '';
  const progress = { stopped: false, passStarted: false };
  sync.manager.on('file-status', (event) => {
    const line = describeFile(event);
    if (line) console.log(line);
  });
  sync.manager.on('folder-status', (event) => {
    const line = describeFolder(event, once);
    if (line && line !== lastFolderLine) console.error(line);
    lastFolderLine = line ?? '';
    if (event.state === 'scanning' || event.state === 'syncing') progress.passStarted = true;
    if (once && (event.state === 'error' || event.state === 'offline' || event.state === 'confirm-deletes')) progress.stopped = true;
  });
  const finish = async (): Promise<number> => {
    const failed = errorCount(sync.manager.journal, sync.folderId);
    const status = sync.manager.folder(sync.folderId)?.status;
    await sync.close();
    if (status?.state === 'error') {
      console.error(failureText(Object.assign(new Error(status.message), { code: status.code }), connection.bucket, connection.region));
      return 1;
    }
    if (failed > 0) {
      console.error(`${failed} file(s) could not be synced; they are retried on the next run.`);
      return 1;
    }
    if (status?.state === 'offline') {
      console.error(`The endpoint ${connection.endpoint ?? `of ${connection.region}`} did not answer; files not yet uploaded are sent on the next run.`);
      return 1;
    }
    if (status?.state === 'confirm-deletes') return 1;
    return 0;
  };

  await sync.manager.start();
  if (once) {
    // A pass that hits an offline or error state waits for probes; --once stops there instead.
    while (!progress.stopped) {
      await Promise.race([sync.manager.whenIdle(), new Promise((resolve) => setTimeout(resolve, 500))]);
      const state = sync.manager.folder(sync.folderId)?.status.state;
      if (state === 'idle' && progress.passStarted) break;
    }
    const code = await finish();
    if (code === 0) console.error('Everything is in sync.');
    return code;
  }
  console.error(`Watching ${localPath} → ${connection.bucket}/${connection.prefix} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await finish();
  return 0;
}
