/** Decoder for SigV4 signed aws-chunked bodies (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) that verifies every chunk signature. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CosSyncError } from '../common/errors.ts';
import { EMPTY_SHA256, formatAmzDate } from './sigv4Canonical.ts';

/** What the decoder needs from the request's (already verified) Authorization header. */
export interface AwsChunkedDecoderOptions {
  /** The Signature of the Authorization header: the first chunk chains from it. */
  seedSignature: string;
  /** The derived signing key of the request's scope (see `deriveSigningKey`). */
  signingKey: Uint8Array;
  /** `YYYYMMDD/region/service/aws4_request`. */
  scope: string;
  /** The request's timestamp: `YYYYMMDDTHHMMSSZ` or a Date. */
  date: string | Date;
  /** x-amz-decoded-content-length, when known: the decoded total must equal it. */
  decodedContentLength?: number;
  /** Largest chunk accepted (each chunk is held until its signature is checked). Default 16 MiB. */
  maxChunkBytes?: number;
}

/** Inputs of one chunk signature. */
export interface AwsChunkSignatureInput {
  signingKey: Uint8Array;
  scope: string;
  /** `YYYYMMDDTHHMMSSZ` or a Date. */
  date: string | Date;
  /** The seed signature for the first chunk, then the previous chunk's signature. */
  previousSignature: string;
  /** The chunk's data (empty for the final chunk). */
  data: Uint8Array;
}

const amzDateOf = (date: string | Date): string => (typeof date === 'string' ? date : formatAmzDate(date));

function chunkSignatureFromHash(options: Omit<AwsChunkSignatureInput, 'data'>, dataHash: string): string {
  const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDateOf(options.date), options.scope, options.previousSignature, EMPTY_SHA256, dataHash].join('\n');
  return createHmac('sha256', options.signingKey).update(toSign, 'utf8').digest('hex');
}

/** The hex signature of one aws-chunked chunk (string to sign `AWS4-HMAC-SHA256-PAYLOAD`, chained through `previousSignature`). */
export function awsChunkSignature(input: AwsChunkSignatureInput): string {
  return chunkSignatureFromHash(input, createHash('sha256').update(input.data).digest('hex'));
}

const CRLF = Buffer.from('\r\n');
const headerPattern = /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-fA-F]{64})$/;
const MAX_HEADER_BYTES = 4096;
const invalid = (message: string): CosSyncError => new CosSyncError('InvalidRequest', message);

/**
 * A Transform turning a signed aws-chunked body (`<hex size>;chunk-signature=<sig>\r\n<data>\r\n`…, ending
 * with a zero-size chunk) into the plain object bytes. A chunk's data is emitted only after its signature,
 * chained from `seedSignature`, has been verified. Errors (CosSyncError): `SignatureDoesNotMatch` for a
 * wrong chunk signature, `InvalidRequest` for malformed framing or a chunk over `maxChunkBytes`,
 * `IncompleteBody` when the body ends early or its decoded length differs from `decodedContentLength`.
 */
export function createAwsChunkedDecoder(options: AwsChunkedDecoderOptions): Transform {
  const maxChunk = options.maxChunkBytes ?? 16 * 1024 * 1024;
  const date = amzDateOf(options.date);
  let previousSignature = options.seedSignature.toLowerCase();
  let state: 'header' | 'data' | 'crlf' | 'done' = 'header';
  let header = Buffer.alloc(0);
  let crlf = Buffer.alloc(0);
  let remaining = 0;
  let signature = '';
  let parts: Buffer[] = [];
  let hash = createHash('sha256');
  let total = 0;

  function startChunk(line: string): CosSyncError | undefined {
    const match = headerPattern.exec(line);
    if (!match) return invalid('An aws-chunked chunk header is malformed.');
    const size = parseInt(match[1]!, 16);
    if (size > maxChunk) return invalid(`An aws-chunked chunk of ${size} bytes exceeds the ${maxChunk}-byte limit.`);
    remaining = size;
    signature = match[2]!.toLowerCase();
    parts = [];
    hash = createHash('sha256');
    state = 'data';
    return undefined;
  }

  function finishChunk(stream: Transform): CosSyncError | undefined {
    const expected = Buffer.from(chunkSignatureFromHash({ signingKey: options.signingKey, scope: options.scope, date, previousSignature }, hash.digest('hex')), 'hex');
    const given = Buffer.from(signature, 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return new CosSyncError('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the signature you provided.', { retry: 'auth' });
    }
    previousSignature = signature;
    const size = parts.reduce((sum, part) => sum + part.length, 0);
    total += size;
    for (const part of parts) stream.push(part);
    parts = [];
    state = size === 0 ? 'done' : 'header';
    return undefined;
  }

  function consume(stream: Transform, input: Buffer): CosSyncError | undefined {
    let offset = 0;
    while (offset < input.length) {
      if (state === 'done') return invalid('Data follows the final aws-chunked chunk.');
      if (state === 'header') {
        const newline = input.indexOf(0x0a, offset);
        const end = newline === -1 ? input.length : newline + 1;
        header = Buffer.concat([header, input.subarray(offset, end)]);
        offset = end;
        if (header.length > MAX_HEADER_BYTES) return invalid('An aws-chunked chunk header is too long.');
        if (newline === -1) continue;
        if (header.length < 2 || header[header.length - 2] !== 0x0d) return invalid('An aws-chunked chunk header does not end with CRLF.');
        const line = header.subarray(0, header.length - 2).toString('latin1');
        header = Buffer.alloc(0);
        const error = startChunk(line);
        if (error) return error;
        continue;
      }
      if (state === 'data') {
        const take = Math.min(remaining, input.length - offset);
        const piece = Buffer.from(input.subarray(offset, offset + take));
        if (take > 0) {
          parts.push(piece);
          hash.update(piece);
        }
        remaining -= take;
        offset += take;
        if (remaining === 0) state = 'crlf';
        continue;
      }
      const take = Math.min(2 - crlf.length, input.length - offset);
      crlf = Buffer.concat([crlf, input.subarray(offset, offset + take)]);
      offset += take;
      if (crlf.length < 2) continue;
      if (!crlf.equals(CRLF)) return invalid('An aws-chunked chunk is not followed by CRLF.');
      crlf = Buffer.alloc(0);
      const error = finishChunk(stream);
      if (error) return error;
    }
    return undefined;
  }

  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      callback(consume(this, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
    },
    flush(callback: TransformCallback) {
      if (state !== 'done') return callback(new CosSyncError('IncompleteBody', 'The aws-chunked body ended before its final chunk.'));
      if (options.decodedContentLength !== undefined && total !== options.decodedContentLength) {
        return callback(new CosSyncError('IncompleteBody', `The aws-chunked body decoded to ${total} bytes, not the declared ${options.decodedContentLength}.`));
      }
      callback();
    },
  });
}
