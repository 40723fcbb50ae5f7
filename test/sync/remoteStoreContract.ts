/** A reusable contract suite for RemoteStore implementations (run against the fake now, the COS client adapter later). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { retryClassOf } from '../../core/common/errors.ts';
import type { RemoteStore } from '../../core/sync/remoteStore.ts';

/** What a contract run needs from the implementation under test. */
export interface ContractTarget {
  store: RemoteStore;
  /** Key prefix unique to this run (e.g. 'contract-<random>/'). */
  prefix: string;
  /** A size that forces a multipart upload, and the part size the store will use for it. */
  multipartSize: number;
  /** CRC-64/ECMA-182 of a buffer, decimal. */
  crc64(data: Uint8Array): string;
  close(): Promise<void>;
}

/** Registers the contract tests for one implementation. */
export function describeRemoteStoreContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`RemoteStore contract: ${name}`, () => {
    let target: ContractTarget;
    let folder: string;
    const file = (relative: string, data: Buffer): string => {
      const full = path.join(folder, relative);
      writeFileSync(full, data);
      return full;
    };
    before(async () => {
      target = await open();
      folder = mkdtempSync(path.join(tmpdir(), 'cos-sync-contract-'));
    });
    after(async () => {
      await target.close();
      rmSync(folder, { recursive: true, force: true });
    });

    test('a small upload returns the CRC-64 and confirmed encryption; HEAD agrees', async () => {
      const data = Buffer.from('small object');
      const stored = await target.store.uploadFile(`${target.prefix}small.txt`, file('small', data), { size: data.length });
      assert.equal(stored.crc64, target.crc64(data));
      assert.ok(stored.encryption.algorithm);
      const head = await target.store.headObject(`${target.prefix}small.txt`);
      assert.equal(head?.size, data.length);
      assert.equal(head?.crc64, stored.crc64);
      assert.deepEqual(head?.encryption, stored.encryption);
    });

    test('a multipart upload reports its session before the first part and every part; resume skips finished parts', async () => {
      const data = Buffer.alloc(target.multipartSize, 5);
      data.write('multipart payload');
      const local = file('big', data);
      const order: string[] = [];
      const parts: { partNumber: number; etag: string; crc64: string; size: number }[] = [];
      let session: { uploadId: string; partSize: number } | undefined;
      const controller = new AbortController();
      await assert.rejects(
        target.store.uploadFile(`${target.prefix}big.bin`, local, {
          size: data.length,
          signal: controller.signal,
          onSession: (s) => void (order.push('session'), (session = s)),
          onPart: (p) => {
            order.push(`part ${p.partNumber}`);
            parts.push(p);
            if (parts.length === 1) controller.abort(new Error('stop after one part'));
          },
        }),
        (error) => retryClassOf(error) === 'cancelled' || controller.signal.aborted,
      );
      assert.equal(order[0], 'session');
      assert.ok(session);
      const resumedParts: number[] = [];
      const stored = await target.store.uploadFile(`${target.prefix}big.bin`, local, {
        size: data.length,
        resume: { ...session, parts },
        onPart: (p) => void resumedParts.push(p.partNumber),
      });
      assert.ok(!resumedParts.includes(1), 'part 1 was not sent again');
      assert.equal(stored.crc64, target.crc64(data));
    });

    test('copy keeps content and confirms encryption; copying a missing key fails without retry', async () => {
      const copied = await target.store.copyObject(`${target.prefix}small.txt`, `${target.prefix}copy.txt`);
      assert.ok(copied.encryption.algorithm);
      assert.equal((await target.store.headObject(`${target.prefix}copy.txt`))?.crc64, target.crc64(Buffer.from('small object')));
      await assert.rejects(target.store.copyObject(`${target.prefix}missing`, `${target.prefix}x`), (error) => retryClassOf(error) === 'fatal');
    });

    test('list by prefix, delete (idempotent), HEAD of a missing key is undefined', async () => {
      const keys: string[] = [];
      for await (const object of target.store.listObjects(target.prefix)) keys.push(object.key);
      assert.deepEqual(keys.sort(), [`${target.prefix}big.bin`, `${target.prefix}copy.txt`, `${target.prefix}small.txt`]);
      await target.store.deleteObject(`${target.prefix}copy.txt`);
      await target.store.deleteObject(`${target.prefix}copy.txt`);
      assert.equal(await target.store.headObject(`${target.prefix}copy.txt`), undefined);
    });
  });
}
