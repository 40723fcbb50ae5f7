/** A Writable into a FileHandle it does not own (appending, or from a position): destroying the stream never closes the descriptor. */
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * Appends every chunk to `handle` through the handle's own methods (never its raw descriptor number), so
 * that the handle's owner closes it exactly once, after any write in flight has finished: a stream built on
 * `fd: handle.fd` closes that number when a pipeline destroys it, and a second close by the owner can then
 * hit a socket that has reused the number (issue 10: the engine aborted in libuv's epoll code). Chunks that
 * arrive while a write is in flight go out together in one `writev`. With `position`, the bytes are written
 * from that offset on (positional writes: several sinks may fill ranges of one file at once); otherwise appended.
 */
export function createFileHandleSink(handle: FileHandle, highWaterMark: number, position?: number): Writable {
  let offset = position;
  const settle = async (chunks: Buffer[], callback: (error?: Error | null) => void): Promise<void> => {
    let failure: Error | null = null;
    try {
      const at = offset;
      if (offset !== undefined) offset += chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      await writeFully(handle, chunks, at);
    } catch (error) {
      failure = error as Error;
    }
    callback(failure);
  };
  return new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      void settle([chunk], callback);
    },
    writev(entries, callback) {
      void settle(entries.map((entry) => entry.chunk as Buffer), callback);
    },
  });
}

/** Writes every byte of `chunks` at `position` on (appends without one), again after a short write. */
export async function writeFully(handle: FileHandle, chunks: Buffer[], position?: number): Promise<void> {
  let pending = chunks;
  let offset = position;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, offset);
    if (offset !== undefined) offset += bytesWritten;
    pending = dropWritten(pending, bytesWritten);
  }
}

/** The chunks left after `written` bytes of them went out (short writes are rare but legal). */
function dropWritten(chunks: Buffer[], written: number): Buffer[] {
  let skip = written;
  let index = 0;
  while (index < chunks.length && skip >= chunks[index]!.length) skip -= chunks[index++]!.length;
  if (index === chunks.length) return [];
  return [chunks[index]!.subarray(skip), ...chunks.slice(index + 1)];
}
