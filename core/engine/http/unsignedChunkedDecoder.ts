/** Decoder for `STREAMING-UNSIGNED-PAYLOAD-TRAILER` bodies (aws-chunked without chunk signatures), verifying the checksum trailer. */
import { Transform, type TransformCallback } from 'node:stream';
import { cosError } from '../../protocol/cosError.ts';
import { assertChecksum, createPayloadChecksum } from './payloadChecksum.ts';

const MAX_LINE = 4096;

/**
 * A Transform from `<hex size>[;ext]\r\n<data>\r\n … 0\r\n<trailers>\r\n\r\n` to the plain bytes. The trailer
 * named by `trailerName` (x-amz-trailer: x-amz-checksum-crc32, -crc32c, -sha1, -sha256) is verified (BadDigest);
 * other trailers are skipped. Malformed framing or a body ending early fails with IncompleteBody / InvalidRequest.
 */
export function createUnsignedChunkedDecoder(trailerName?: string): Transform {
  const checksum = trailerName === undefined ? undefined : createPayloadChecksum(trailerName);
  let checked = checksum === undefined;
  let state: 'size' | 'data' | 'crlf' | 'trailer' | 'done' = 'size';
  let line = '';
  let remaining = 0;
  let crlf = 0;
  const fail = (message: string) => cosError('InvalidRequest', message);
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      let offset = 0;
      while (offset < chunk.length) {
        if (state === 'data') {
          const take = Math.min(remaining, chunk.length - offset);
          const piece = chunk.subarray(offset, offset + take);
          checksum?.update(piece);
          this.push(piece);
          offset += take;
          remaining -= take;
          if (remaining === 0) state = 'crlf';
          continue;
        }
        if (state === 'crlf') {
          if (chunk[offset] !== (crlf === 0 ? 0x0d : 0x0a)) return callback(fail('An aws-chunked chunk is not followed by CRLF.'));
          offset++;
          if (++crlf === 2) {
            crlf = 0;
            state = 'size';
          }
          continue;
        }
        if (state === 'done') return callback(fail('Data follows the end of an aws-chunked body.'));
        const newline = chunk.indexOf(0x0a, offset);
        const end = newline === -1 ? chunk.length : newline + 1;
        line += chunk.toString('latin1', offset, end);
        offset = end;
        if (line.length > MAX_LINE) return callback(fail('An aws-chunked line is too long.'));
        if (newline === -1) continue;
        if (!line.endsWith('\r\n')) return callback(fail('An aws-chunked line does not end with CRLF.'));
        const text = line.slice(0, -2);
        line = '';
        if (state === 'trailer') {
          if (text === '') state = 'done';
          const colon = text.indexOf(':');
          if (checksum && colon > 0 && text.slice(0, colon).trim().toLowerCase() === trailerName!.toLowerCase()) {
            try {
              assertChecksum(checksum, text.slice(colon + 1), trailerName!);
            } catch (error) {
              return callback(error as Error);
            }
            checked = true;
          }
          continue;
        }
        const match = /^([0-9a-fA-F]{1,16})(;.*)?$/.exec(text);
        if (!match) return callback(fail('An aws-chunked chunk size is malformed.'));
        remaining = Number.parseInt(match[1]!, 16);
        state = remaining === 0 ? 'trailer' : 'data';
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (!(state === 'done' || (state === 'trailer' && line === ''))) return callback(cosError('IncompleteBody', 'The aws-chunked body ended early.'));
      callback(checked ? null : cosError('InvalidRequest', `The ${trailerName} trailer announced in x-amz-trailer is missing.`));
    },
  });
}
