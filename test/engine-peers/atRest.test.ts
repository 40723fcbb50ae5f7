/** Data at rest: no plaintext of an SSE object anywhere under the data dir, and tampered, truncated, reordered or spliced blobs never read back as altered bytes. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HEADER_SIZE, STORED_PACKAGE_SIZE, storedSize } from '../../core/crypto/packageFormat.ts';
import { cosRequest, header, type CosResponse } from './cosRequest.ts';
import { filesContaining, listFiles, objectSegments } from './engineStorage.ts';
import { multipartUpload, prepareMultipart } from './multipartUpload.ts';
import { startTestEngine, TEST_BUCKET, type TestEngine } from './startTestEngine.ts';

const SSE_HEADERS = { 'x-cos-server-side-encryption': 'AES256' };
const KiB = 1024;

/** A distinctive 64-byte marker (random per run, so it cannot be in any file by chance), repeated to `size` bytes. */
function markerContent(marker: Buffer, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += marker.length) marker.copy(out, offset);
  return out;
}

async function put(engine: TestEngine, key: string, body: Buffer, headers: Record<string, string> = SSE_HEADERS): Promise<void> {
  const response = await cosRequest(engine.target, { method: 'PUT', key, body, headers });
  assert.equal(response.status, 200, `PUT ${key}: ${response.body.toString()}`);
  assert.equal(header(response, 'x-cos-server-side-encryption'), headers['x-cos-server-side-encryption']);
}

/** A GET of damaged data must fail (error status or a cut body) and every byte that did arrive must be original. */
function assertNoAlteredBytes(response: CosResponse, original: Buffer, what: string): void {
  const fullSuccess = response.status >= 200 && response.status < 300 && !response.aborted && response.body.length === original.length;
  assert.ok(!fullSuccess || response.body.equals(original), `${what}: a complete 2xx response must not carry altered bytes`);
  assert.ok(!fullSuccess, `${what}: the GET must fail (status ${response.status}, ${response.body.length} bytes, aborted ${response.aborted})`);
  if (response.status >= 200 && response.status < 300) {
    assert.ok(response.body.equals(original.subarray(0, response.body.length)), `${what}: the ${response.body.length} bytes that arrived are a prefix of the original`);
  } else {
    assert.ok(!response.body.includes(original.subarray(0, 64)), `${what}: an error response carries no plaintext`);
  }
  console.log(`${what}: status ${response.status}, ${response.body.length} of ${original.length} bytes, aborted ${response.aborted}`);
}

describe('engine data at rest', () => {
  let engine: TestEngine;
  const marker = Buffer.from(`AT-REST-MARKER:${randomBytes(24).toString('hex')}`.padEnd(64, '#'));

  before(async () => {
    engine = await startTestEngine();
  });

  after(async () => {
    await engine?.close();
  });

  it('no plaintext of SSE objects appears in any file (blobs, sqlite DB, WAL); a plain object is found, proving the search', async () => {
    // ~10 packages for the simple PUT; a 2-part multipart object; both full of the marker.
    const content = markerContent(marker, 10 * 64 * KiB + 777);
    await put(engine, 'secret/simple.bin', content);
    const multipart = await multipartUpload(engine.target, 'secret/multipart.bin', [markerContent(marker, 1024 * KiB), markerContent(marker, 300 * KiB)], SSE_HEADERS);
    assert.equal(header(multipart, 'x-cos-server-side-encryption'), 'AES256');
    // Parts of an upload that is never completed are stored too, and must be just as opaque.
    await prepareMultipart(engine.target, 'secret/pending.bin', [markerContent(marker, 1024 * KiB)], SSE_HEADERS);
    for (const key of ['secret/simple.bin', 'secret/multipart.bin']) {
      for (const segment of objectSegments(engine.dataDir, TEST_BUCKET, key)) {
        const stored = await readFile(segment.path);
        assert.equal(stored.subarray(0, 4).toString('latin1'), 'CSPS', `${key}: blob starts with the package stream header`);
        assert.equal(stored.length, storedSize(segment.size), `${key}: blob is exactly header + packages + tags`);
      }
    }
    const got = await cosRequest(engine.target, { method: 'GET', key: 'secret/simple.bin' });
    assert.ok(got.body.equals(content), 'the SSE object still reads back');

    const searched = listFiles(engine.dataDir).map((file) => path.basename(file));
    assert.ok(searched.includes('index.sqlite') && searched.some((name) => name.endsWith('-wal')), `the search covers the sqlite DB and its WAL: ${searched.filter((name) => !/^[0-9a-f]{32}$/.test(name)).join(', ')}`);
    assert.deepEqual(filesContaining(engine.dataDir, marker), [], 'marker found while running');
    const dataDir = engine.dataDir;
    await engine.close({ keepData: true });
    assert.deepEqual(filesContaining(dataDir, marker), [], 'marker found after shutdown (checkpointed DB)');

    engine = await startTestEngine({ dataDir });
    await put(engine, 'plain/control.bin', markerContent(marker, 200 * KiB), {});
    const found = filesContaining(dataDir, marker);
    assert.ok(found.length > 0, 'the search finds the marker of an object stored without SSE');
    const plainBlob = objectSegments(dataDir, TEST_BUCKET, 'plain/control.bin')[0]!.path;
    assert.ok(found.includes(plainBlob), 'in the plain object blob');
    assert.deepEqual(found.filter((file) => file !== plainBlob), [], 'and nowhere else');
  });

  /** Stores a fresh 5.5-package SSE object and returns its content and single blob path. */
  async function victim(key: string): Promise<{ content: Buffer; blob: string }> {
    const content = randomBytes(5 * 64 * KiB + 30_000);
    await put(engine, key, content);
    const segments = objectSegments(engine.dataDir, TEST_BUCKET, key);
    assert.equal(segments.length, 1);
    return { content, blob: segments[0]!.path };
  }

  async function getBoth(key: string, content: Buffer, what: string, rangeStart: number): Promise<void> {
    assertNoAlteredBytes(await cosRequest(engine.target, { method: 'GET', key }), content, `${what} (whole GET)`);
    const end = Math.min(content.length - 1, rangeStart + 64 * KiB + 99);
    const ranged = await cosRequest(engine.target, { method: 'GET', key, headers: { range: `bytes=${rangeStart}-${end}` } });
    assertNoAlteredBytes(ranged, content.subarray(rangeStart, end + 1), `${what} (ranged GET ${rangeStart}-${end})`);
  }

  it('a flipped bit in a package fails the GET', async () => {
    const { content, blob } = await victim('tamper/bitflip.bin');
    const handle = await open(blob, 'r+');
    const position = HEADER_SIZE + 2 * STORED_PACKAGE_SIZE + 1234;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = byte[0]! ^ 0x08;
    await handle.write(byte, 0, 1, position);
    await handle.close();
    await getBoth('tamper/bitflip.bin', content, 'bit flip in package 2', 2 * 64 * KiB + 10);
  });

  it('a flipped bit in a GCM tag or the stream header fails the GET', async () => {
    const { content, blob } = await victim('tamper/tag.bin');
    const stored = await readFile(blob);
    stored[HEADER_SIZE + STORED_PACKAGE_SIZE - 1] = stored[HEADER_SIZE + STORED_PACKAGE_SIZE - 1]! ^ 0x01;
    await writeFile(blob, stored);
    await getBoth('tamper/tag.bin', content, 'bit flip in the tag of package 0', 100);

    const second = await victim('tamper/header.bin');
    const header2 = await readFile(second.blob);
    header2[10] = header2[10]! ^ 0x40; // nonce prefix byte
    await writeFile(second.blob, header2);
    await getBoth('tamper/header.bin', second.content, 'bit flip in the nonce prefix', 3 * 64 * KiB);
  });

  it('a truncated blob (at a package boundary or mid-package) fails the GET', async () => {
    const boundary = await victim('tamper/truncated-boundary.bin');
    await truncate(boundary.blob, HEADER_SIZE + 5 * STORED_PACKAGE_SIZE);
    await getBoth('tamper/truncated-boundary.bin', boundary.content, 'final package dropped', 4 * 64 * KiB + 5);

    const middle = await victim('tamper/truncated-middle.bin');
    await truncate(middle.blob, HEADER_SIZE + 3 * STORED_PACKAGE_SIZE + 5000);
    await getBoth('tamper/truncated-middle.bin', middle.content, 'cut inside package 3', 3 * 64 * KiB);
  });

  it('two swapped packages fail the GET', async () => {
    const { content, blob } = await victim('tamper/reordered.bin');
    const stored = await readFile(blob);
    const first = HEADER_SIZE + 1 * STORED_PACKAGE_SIZE;
    const second = HEADER_SIZE + 2 * STORED_PACKAGE_SIZE;
    const package1 = Buffer.from(stored.subarray(first, first + STORED_PACKAGE_SIZE));
    stored.copy(stored, first, second, second + STORED_PACKAGE_SIZE);
    package1.copy(stored, second);
    await writeFile(blob, stored);
    await getBoth('tamper/reordered.bin', content, 'packages 1 and 2 swapped', 64 * KiB + 3);
  });

  it("another object's blob (or one of its packages) spliced in fails the GET", async () => {
    const target = await victim('tamper/spliced-whole.bin');
    const donor = await victim('tamper/donor.bin');
    await writeFile(target.blob, await readFile(donor.blob));
    await getBoth('tamper/spliced-whole.bin', target.content, 'whole blob of another object', 0);

    const partial = await victim('tamper/spliced-package.bin');
    const stored = await readFile(partial.blob);
    const donorBytes = await readFile(donor.blob);
    const at = HEADER_SIZE + 2 * STORED_PACKAGE_SIZE;
    donorBytes.copy(stored, at, at, at + STORED_PACKAGE_SIZE);
    await writeFile(partial.blob, stored);
    await getBoth('tamper/spliced-package.bin', partial.content, 'package 2 from another object', 2 * 64 * KiB);

    // The donor itself is untouched and still reads back.
    const ok = await cosRequest(engine.target, { method: 'GET', key: 'tamper/donor.bin' });
    assert.equal(ok.status, 200);
    assert.ok(ok.body.equals(donor.content));
  });
});
