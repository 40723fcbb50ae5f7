/** Request bodies: aws-chunked decoding, declared size, Content-MD5 and x-amz-content-sha256 checks, bounded XML reads. */
import { createHash } from 'node:crypto';
import type { Readable, Transform } from 'node:stream';
import { CosError, cosError } from '../../protocol/cosError.ts';
import { createAwsChunkedDecoder } from '../../protocol/sigv4.ts';
import type { EngineRequest } from './engineRequest.ts';
import { firstHeader } from './sseRequest.ts';
import { createHeaderChecksumVerifier } from './payloadChecksum.ts';
import { createUnsignedChunkedDecoder } from './unsignedChunkedDecoder.ts';

const UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** True when the body is aws-chunked framed (signed chunks, or unsigned with trailers). */
function isChunked(r: EngineRequest): boolean {
  return r.auth.kind === 'v4' && (r.auth.chunked !== undefined || r.auth.payloadHash === UNSIGNED_TRAILER);
}

/** NotImplemented for streaming payload variants the engine cannot decode (signed trailers, ECDSA). */
export function checkPayloadKind(r: EngineRequest): void {
  if (r.auth.kind === 'v4' && r.auth.payloadHash.startsWith('STREAMING-') && !isChunked(r)) {
    throw cosError('NotImplemented', `The payload kind ${r.auth.payloadHash} is not supported; use signed aws-chunked or UNSIGNED-PAYLOAD.`);
  }
}

/** Largest XML request body (Complete, Delete, encryption, ACL): 2 MiB. */
export const MAX_XML_BYTES = 2 * 1024 * 1024;

/** The plaintext body stream (aws-chunked bodies are decoded and their chunk signatures verified). */
export function bodySource(r: EngineRequest): Readable {
  checkPayloadKind(r);
  let source: Readable = r.req;
  if (r.auth.kind === 'v4' && (r.auth.chunked || r.auth.payloadHash === UNSIGNED_TRAILER)) {
    const decoder = r.auth.chunked ? createAwsChunkedDecoder(r.auth.chunked) : createUnsignedChunkedDecoder(firstHeader(r.req.headers, 'x-amz-trailer'));
    source = chain(r.req, decoder);
  }
  const verifier = r.auth.kind === 'v4' && r.auth.payloadHash !== UNSIGNED_TRAILER ? createHeaderChecksumVerifier(r.req.headers) : undefined;
  return verifier ? chain(source, verifier) : source;
}

/**
 * Pipes `from` into `to`, forwarding errors. Data may flow (and fail) before the consumer's pipeline attaches
 * (it first opens the temp file), so `to` keeps its error as `errored` state for that pipeline instead of
 * emitting an unhandled 'error'.
 */
function chain(from: Readable, to: Transform): Transform {
  from.on('error', (error) => to.destroy(error));
  to.on('error', () => {});
  return from.pipe(to);
}

/** The declared plaintext size: x-amz-decoded-content-length for aws-chunked, else Content-Length; undefined for chunked transfer. */
export function declaredSize(r: EngineRequest): number | undefined {
  const decoded = firstHeader(r.req.headers, 'x-amz-decoded-content-length');
  if (isChunked(r)) return decoded !== undefined && /^\d+$/.test(decoded) ? Number(decoded) : undefined;
  const length = firstHeader(r.req.headers, 'content-length');
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
}

/** The Content-MD5 digest, if sent; InvalidDigest when it is not base64 of 16 bytes. */
export function contentMd5(r: EngineRequest): Buffer | undefined {
  const value = firstHeader(r.req.headers, 'content-md5');
  if (value === undefined) return undefined;
  const digest = Buffer.from(value, 'base64');
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value) || digest.length !== 16) throw cosError('InvalidDigest', 'The Content-MD5 you specified is not valid.');
  return digest;
}

/** True when the SigV4 signature covers a hex SHA-256 of the body that must be checked. */
export function wantsSha256(r: EngineRequest): boolean {
  return r.auth.kind === 'v4' && /^[0-9a-f]{64}$/.test(r.auth.payloadHash);
}

/** Checks the body digests against Content-MD5 and the signed SHA-256 (BadDigest / XAmzContentSHA256Mismatch). */
export function checkDigests(r: EngineRequest, md5: Buffer, sha256Hex: string | undefined, expectedMd5 = contentMd5(r)): void {
  if (expectedMd5 && !expectedMd5.equals(md5)) throw cosError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  if (r.auth.kind === 'v4' && wantsSha256(r) && sha256Hex !== r.auth.payloadHash) {
    throw new CosError({ code: 'XAmzContentSHA256Mismatch', status: 400, message: 'The provided x-amz-content-sha256 header does not match what was computed.' });
  }
}

/** Reads a whole small body (XML), at most `limit` bytes (XMLSizeLimit beyond), and checks its digests. */
export async function readSmallBody(r: EngineRequest, limit = MAX_XML_BYTES): Promise<Buffer> {
  const declared = declaredSize(r);
  if (declared !== undefined && declared > limit) throw cosError('XMLSizeLimit', `The XML body may not exceed ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of bodySource(r)) {
    size += (chunk as Buffer).length;
    if (size > limit) throw cosError('XMLSizeLimit', `The XML body may not exceed ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  checkDigests(r, createHash('md5').update(body).digest(), wantsSha256(r) ? createHash('sha256').update(body).digest('hex') : undefined);
  return body;
}

/** Reads and discards a body that the API does not use (keeps the connection reusable). */
export async function drainBody(r: EngineRequest): Promise<void> {
  if (r.req.complete) return;
  for await (const _chunk of r.req) {
    // discard
  }
}
