/** aws-chunked uploads as newer AWS CLIs and SDKs send them (the installed CLI predates them): signed chunks, and unsigned chunks with a CRC32 trailer. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { awsChunkSignature, credentialScope, deriveSigningKey, formatAmzDate, signV4, STREAMING_PAYLOAD } from '../../core/protocol/sigv4.ts';
import { cosRequest, header } from './cosRequest.ts';
import { startTestEngine, TEST_BUCKET, TEST_REGION, type TestEngine } from './startTestEngine.ts';

const UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const CHUNK = 64 * 1024;

/** Frames `data` as aws-chunked: signed chunks chained from `seed`, or unsigned chunks ending with a CRC32 trailer. */
function frame(data: Buffer, mode: 'signed' | 'trailer', sign?: { seed: string; signingKey: Buffer; scope: string; date: Date }, crc = crc32(data)): Buffer {
  const pieces: Buffer[] = [];
  let previous = sign?.seed ?? '';
  for (let offset = 0; ; offset += CHUNK) {
    const chunk = data.subarray(offset, Math.min(offset + CHUNK, data.length));
    if (mode === 'signed') {
      previous = awsChunkSignature({ signingKey: sign!.signingKey, scope: sign!.scope, date: sign!.date, previousSignature: previous, data: chunk });
      pieces.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk, Buffer.from('\r\n'));
    } else if (chunk.length > 0) {
      pieces.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    } else {
      const checksum = Buffer.alloc(4);
      checksum.writeUInt32BE(crc);
      pieces.push(Buffer.from(`0\r\nx-amz-checksum-crc32:${checksum.toString('base64')}\r\n\r\n`));
    }
    if (chunk.length === 0) break;
  }
  return Buffer.concat(pieces);
}

/** PUTs `data` path-style with SigV4 and an aws-chunked body; resolves with the status and headers. */
function chunkedPut(engine: TestEngine, key: string, data: Buffer, mode: 'signed' | 'trailer', crc?: number): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const path = `/${TEST_BUCKET}/${key}`;
  const date = new Date();
  const credentials = { accessKeyId: engine.target.secretId, secretAccessKey: engine.target.secretKey };
  const encodedLength = frame(data, mode, { seed: '0'.repeat(64), signingKey: Buffer.alloc(32), scope: 's', date }, crc).length;
  const headers: Record<string, string> = {
    host: `127.0.0.1:${engine.port}`, 'content-encoding': 'aws-chunked', 'content-length': String(encodedLength),
    'x-amz-decoded-content-length': String(data.length), 'x-amz-server-side-encryption': 'AES256',
    ...(mode === 'trailer' ? { 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm': 'CRC32' } : {}),
  };
  const signed = signV4({ method: 'PUT', path, query: [], headers }, credentials, { region: TEST_REGION, date, payloadHash: mode === 'signed' ? STREAMING_PAYLOAD : UNSIGNED_TRAILER });
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.authorization)![1]!;
  const dateStamp = formatAmzDate(date).slice(0, 8);
  const body = frame(data, mode, { seed, signingKey: deriveSigningKey(credentials.secretAccessKey, dateStamp, TEST_REGION, 's3'), scope: credentialScope(dateStamp, TEST_REGION, 's3'), date }, crc);
  assert.equal(body.length, encodedLength);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: engine.port, method: 'PUT', path, headers: { ...headers, ...signed }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (piece: string) => (text += piece));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('aws-chunked uploads against the engine', () => {
  let engine: TestEngine;

  before(async () => {
    engine = await startTestEngine();
  });

  after(async () => {
    await engine?.close();
  });

  for (const mode of ['signed', 'trailer'] as const) {
    it(`${mode === 'signed' ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' : `${UNSIGNED_TRAILER} with x-amz-checksum-crc32`}: stored decoded, encrypted, no aws-chunked coding echoed`, async () => {
      const data = randomBytes(3 * CHUNK + 1234);
      const key = `chunked/${mode}.bin`;
      const put = await chunkedPut(engine, key, data, mode);
      assert.equal(put.status, 200, put.body);
      assert.equal(put.headers['x-amz-server-side-encryption'], 'AES256');
      const got = await cosRequest(engine.target, { method: 'GET', key });
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(data), 'the object is the decoded payload, not the chunk framing');
      assert.equal(header(got, 'x-cos-server-side-encryption'), 'AES256');
      assert.equal(header(got, 'content-encoding'), undefined, 'aws-chunked is request framing and is not stored as the object coding');
    });
  }

  it('a wrong x-amz-checksum-crc32 trailer is rejected and nothing is stored', async () => {
    const data = randomBytes(2 * CHUNK);
    const put = await chunkedPut(engine, 'chunked/bad-crc.bin', data, 'trailer', (crc32(data) ^ 1) >>> 0);
    assert.equal(put.status, 400, 'a body whose CRC32 trailer does not match is refused');
    assert.equal((await cosRequest(engine.target, { method: 'HEAD', key: 'chunked/bad-crc.bin' })).status, 404);
  });
});
