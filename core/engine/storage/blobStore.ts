/** Blob files under DATA/blobs/<2 hex>/<id>: written in DATA/tmp, made durable, renamed into place; orphans swept at start. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** A blob being written in DATA/tmp; {@link BlobStore.commit} makes it durable under its id. */
export interface PendingBlob {
  readonly id: string;
  readonly tempPath: string;
  readonly handle: FileHandle;
}

/** What a read needs of a stored blob, in a file or kept in the index: positional reads and a close. */
export interface BlobHandle {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** A {@link BlobHandle} over stored bytes kept in the index (read with the object's segments). */
export function inlineBlobHandle(stored: Buffer): BlobHandle {
  return {
    read: (buffer, offset, length, position) => Promise.resolve({ bytesRead: position >= stored.length ? 0 : stored.copy(buffer, offset, position, Math.min(stored.length, position + length)) }),
    close: () => Promise.resolve(),
  };
}

/** Blob files addressed by random ids (never by object keys). */
export class BlobStore {
  readonly blobsDir: string;
  readonly tmpDir: string;
  readonly #readers = new Map<string, number>();
  readonly #doomed = new Set<string>();

  constructor(dataDir: string) {
    this.blobsDir = path.join(dataDir, 'blobs');
    this.tmpDir = path.join(dataDir, 'tmp');
  }

  /** Creates the directories (all 256 fan-out directories, so commits never create one). */
  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    await mkdir(this.blobsDir, { recursive: true, mode: 0o700 });
    await Promise.all(Array.from({ length: 256 }, (_, index) => mkdir(path.join(this.blobsDir, index.toString(16).padStart(2, '0')), { recursive: true, mode: 0o700 })));
  }

  /** A new random blob id (32 hex). */
  static newId(): string {
    return randomBytes(16).toString('hex');
  }

  /** The final path of blob `id`. */
  pathOf(id: string): string {
    return path.join(this.blobsDir, id.slice(0, 2), id);
  }

  /** Opens DATA/tmp/<random> exclusively ('wx') for a new blob. */
  async create(id: string = BlobStore.newId()): Promise<PendingBlob> {
    const tempPath = path.join(this.tmpDir, `${id}.${randomBytes(4).toString('hex')}`);
    const handle = await open(tempPath, 'wx', 0o600);
    return { id, tempPath, handle };
  }

  /** datasync, close, rename into DATA/blobs/xx/<id>, fsync that directory. After this the blob survives a crash. */
  async commit(blob: PendingBlob): Promise<void> {
    try {
      await blob.handle.datasync();
    } finally {
      await blob.handle.close();
    }
    const target = this.pathOf(blob.id);
    await rename(blob.tempPath, target);
    const directory = await open(path.dirname(target), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  /** Closes and deletes a blob that will not be committed. */
  async discard(blob: PendingBlob): Promise<void> {
    await blob.handle.close().catch(() => {});
    await unlink(blob.tempPath).catch(() => {});
  }

  /** Deletes committed blobs (after the index no longer refers to them); blobs an active reader retains go when it releases them. */
  async remove(ids: readonly string[]): Promise<void> {
    const now: string[] = [];
    for (const id of ids) {
      if (this.#readers.has(id)) this.#doomed.add(id);
      else now.push(id);
    }
    await Promise.all(now.map((id) => unlink(this.pathOf(id)).catch(() => {})));
  }

  /** Keeps `ids` on disk until the returned release runs (a read that started before a replace finishes intact). */
  retain(ids: readonly string[]): () => void {
    for (const id of ids) this.#readers.set(id, (this.#readers.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const left = (this.#readers.get(id) ?? 1) - 1;
        if (left > 0) {
          this.#readers.set(id, left);
          continue;
        }
        this.#readers.delete(id);
        if (this.#doomed.delete(id)) void unlink(this.pathOf(id)).catch(() => {});
      }
    };
  }

  /** Opens a committed blob for positional reads; the caller closes the handle. */
  openRead(id: string): Promise<FileHandle> {
    return open(this.pathOf(id), 'r');
  }

  /** Start-up sweep: removes every temp file and every blob the index does not know. Returns how many files were removed. */
  async sweep(isKnown: (id: string) => boolean): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir)) {
      await unlink(path.join(this.tmpDir, name)).catch(() => {});
      removed++;
    }
    for (const fan of await readdir(this.blobsDir)) {
      const dir = path.join(this.blobsDir, fan);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (isKnown(name)) continue;
        await unlink(path.join(dir, name)).catch(() => {});
        removed++;
      }
    }
    return removed;
  }
}
