/** Writes an object stream into a response, handing each lent chunk back to the stream once the socket wrote it. */
import { finished, type Writable } from 'node:stream';
import type { ObjectStream } from './objectStream.ts';

/**
 * Like `pipeline(stream, destination)` for a stream made with `lend: true`: each chunk is written with a callback that
 * gives its slab back to the stream (the socket holds the bytes until then), so a GET reuses a few slabs instead of
 * allocating 1 MiB per step. A stream error destroys the destination (the client sees an aborted response, never
 * unauthenticated bytes); a destination that closes early destroys the stream and rejects with
 * ERR_STREAM_PREMATURE_CLOSE. Resolves once the destination finished.
 */
export function sendObject(stream: ObjectStream, destination: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      // Only a successful write callback proves the bytes left: after an error the slab is dropped, not reused.
      const more = destination.write(chunk, (error) => {
        if (!error) stream.giveBack(chunk);
      });
      if (!more) stream.pause();
    };
    const onDrain = (): void => {
      stream.resume();
    };
    const onEnd = (): void => {
      destination.end();
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      destination.off('drain', onDrain);
    };
    let settled = false;
    const settle = (error?: Error | null): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (error) {
        stream.destroy();
        destination.destroy(error);
        reject(error);
      } else {
        resolve();
      }
    };
    finished(stream, (error) => {
      if (error) settle(error);
    });
    finished(destination, (error) => settle(error));
    destination.on('drain', onDrain);
    stream.on('end', onEnd);
    stream.on('data', onData);
  });
}
