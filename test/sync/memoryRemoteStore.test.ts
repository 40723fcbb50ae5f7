/** The in-memory fake passes the RemoteStore contract suite, and its fault switches behave as the sync tests assume. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryClassOf } from '../../core/common/errors.ts';
import { crc64Of, MemoryRemoteStore } from '../fakes/memoryRemoteStore.ts';
import { describeRemoteStoreContract } from './remoteStoreContract.ts';

describeRemoteStoreContract('MemoryRemoteStore', async () => {
  const store = new MemoryRemoteStore();
  store.multipartThreshold = 1000;
  store.partSize = 400;
  return { store, prefix: 'contract/', multipartSize: 2000, crc64: crc64Of, close: async () => {} };
});

test('CRC-64/ECMA-182 check value', () => {
  assert.equal(crc64Of(Buffer.from('123456789')), BigInt('0x995DC9BBDF1939FA').toString());
});

test('fault switches map to retry classes', async () => {
  const store = new MemoryRemoteStore();
  store.failNext('head', 2, 'retry');
  await assert.rejects(store.headObject('k'), (error) => retryClassOf(error) === 'retry');
  await assert.rejects(store.headObject('k'), (error) => retryClassOf(error) === 'retry');
  assert.equal(await store.headObject('k'), undefined);
  store.offline = true;
  await assert.rejects(store.deleteObject('k'), (error) => retryClassOf(error) === 'offline');
  store.offline = false;
  store.authFailure = true;
  await assert.rejects(store.deleteObject('k'), (error) => retryClassOf(error) === 'auth');
});
