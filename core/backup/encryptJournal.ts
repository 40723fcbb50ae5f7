/** EncryptJournal: an append-only, fsynced record of an encrypt run, so a rerun after kill -9 continues where it stopped. */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CosSyncError } from '../common/errors.ts';
import { makePrivateFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../common/privateFiles.ts';

/** One line of the journal. */
export type JournalRecord =
  | { t: 'journal'; bucket: string; prefix: string }
  /** A copy is about to start: the object as the HEAD saw it. */
  | { t: 'begin'; key: string; etag: string; crc64?: string; size: number }
  /** A multipart copy session exists. */
  | { t: 'upload'; key: string; uploadId: string; partSize: number }
  /** A part of that session is stored. */
  | { t: 'part'; key: string; partNumber: number; etag: string }
  /** The object is encrypted and verified; `etag` is its ETag after the copy. */
  | { t: 'done'; key: string; etag: string }
  /** The copy session was dropped (object changed, upload gone, or it failed). */
  | { t: 'reset'; key: string };

/** What the journal knows about one key. */
export interface JournalEntry {
  begin?: { etag: string; crc64?: string; size: number };
  upload?: { uploadId: string; partSize: number; parts: Map<number, string> };
  /** ETag after a verified copy. */
  done?: string;
}

/**
 * The journal file: JSON lines, each appended record synced to disk before {@link append} resolves (appends that
 * arrive while a sync runs share the next one). A torn last line (kill -9 mid-write) is ignored on reading.
 */
export class EncryptJournal {
  readonly path: string;
  readonly entries = new Map<string, JournalEntry>();
  #handle: FileHandle | undefined;
  #pending: string[] = [];
  /** The next write-and-sync, shared by every record appended before it starts. */
  #next: Promise<void> | undefined;
  /** The write-and-sync running now (writes never overlap, so records stay in order). */
  #running: Promise<void> = Promise.resolve();

  private constructor(file: string) {
    this.path = file;
  }

  /** Opens (creating) the journal of `bucket`/`prefix` at `file`; a journal of another bucket or prefix is refused. */
  static async open(file: string, bucket: string, prefix: string): Promise<EncryptJournal> {
    const journal = new EncryptJournal(file);
    // The journal names every object key: owner-only, like the app's other files (an existing folder is left as it is).
    await mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    makePrivateFile(file);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    let header: JournalRecord | undefined;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: JournalRecord;
      try {
        record = JSON.parse(line) as JournalRecord;
      } catch {
        continue;
      }
      header ??= record;
      journal.#apply(record);
    }
    if (header && (header.t !== 'journal' || header.bucket !== bucket || header.prefix !== prefix)) {
      throw new CosSyncError('JournalMismatch', `The journal '${file}' belongs to another bucket or prefix.`, { hint: 'Pass another --journal file (or delete this one if that run is over).' });
    }
    journal.#handle = await open(file, 'a', PRIVATE_FILE_MODE);
    // A torn last line (no newline) must not glue itself to the next record.
    if (text !== '' && !text.endsWith('\n')) await journal.#handle.appendFile('\n');
    if (!header) await journal.append({ t: 'journal', bucket, prefix });
    return journal;
  }

  #apply(record: JournalRecord): void {
    if (record.t === 'journal') return;
    const entry = this.entries.get(record.key) ?? {};
    this.entries.set(record.key, entry);
    switch (record.t) {
      case 'begin':
        entry.begin = { etag: record.etag, size: record.size, ...(record.crc64 === undefined ? {} : { crc64: record.crc64 }) };
        delete entry.done;
        break;
      case 'upload':
        entry.upload = { uploadId: record.uploadId, partSize: record.partSize, parts: new Map() };
        break;
      case 'part':
        entry.upload?.parts.set(record.partNumber, record.etag);
        break;
      case 'done':
        entry.done = record.etag;
        delete entry.upload;
        break;
      case 'reset':
        delete entry.begin;
        delete entry.upload;
        break;
    }
  }

  /** Records `record` in memory and on disk; resolves once it is synced. */
  append(record: JournalRecord): Promise<void> {
    this.#apply(record);
    this.#pending.push(`${JSON.stringify(record)}\n`);
    this.#next ??= this.#running.catch(() => undefined).then(() => this.#flush());
    return this.#next;
  }

  async #flush(): Promise<void> {
    const lines = this.#pending.join('');
    this.#pending = [];
    this.#next = undefined;
    const write = (async () => {
      if (!this.#handle) throw new CosSyncError('JournalClosed', 'The encrypt journal is closed.');
      await this.#handle.appendFile(lines);
      await this.#handle.datasync();
    })();
    this.#running = write;
    await write;
  }

  /** Waits for pending records and closes the file. */
  async close(): Promise<void> {
    while (this.#next) await this.#next.catch(() => undefined);
    await this.#running.catch(() => undefined);
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
