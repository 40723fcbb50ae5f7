/** Tests of SSE header construction and of reading the encryption a server confirmed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmedEncryption, customerKeyHeaders, encryptionSatisfies, sseRequestHeaders } from '../../core/protocol/serverSideEncryption.ts';
import { isCosBucketName, parseBucketHost } from '../../core/protocol/bucketHost.ts';

describe('server-side encryption headers', () => {
  it('builds the documented SSE-C triple', () => {
    const key = Buffer.from('0123456789ABCDEF0123456789ABCDEF');
    assert.deepEqual(customerKeyHeaders(key), {
      'x-cos-server-side-encryption-customer-algorithm': 'AES256',
      'x-cos-server-side-encryption-customer-key': 'MDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkNERUY=',
      'x-cos-server-side-encryption-customer-key-md5': 'U5L61r7jcwdNvT7frmUG8g==',
    });
  });
  it('maps requests to headers and responses back to confirmed encryption', () => {
    assert.deepEqual(sseRequestHeaders({ mode: 'AES256' }), { 'x-cos-server-side-encryption': 'AES256' });
    assert.deepEqual(sseRequestHeaders({ mode: 'kms', keyId: 'k1' }), { 'x-cos-server-side-encryption': 'cos/kms', 'x-cos-server-side-encryption-cos-kms-key-id': 'k1' });
    assert.deepEqual(confirmedEncryption({ 'x-cos-server-side-encryption': 'AES256' }), { algorithm: 'AES256' });
    assert.deepEqual(confirmedEncryption({}), { algorithm: 'none' });
    assert.equal(encryptionSatisfies({ mode: 'AES256' }, { algorithm: 'none' }), false);
    assert.equal(encryptionSatisfies({ mode: 'kms', keyId: 'a' }, { algorithm: 'cos/kms', kmsKeyId: 'b' }), false);
    const key = Buffer.alloc(32, 7);
    assert.equal(encryptionSatisfies({ mode: 'customer', key }, confirmedEncryption(customerKeyHeaders(key))), true);
  });
});

describe('bucket hosts', () => {
  it('parses virtual hosts with and without a port and both domains', () => {
    assert.deepEqual(parseBucketHost('photos-1250000000.cos.ap-guangzhou.myqcloud.com:9000'), { bucket: 'photos-1250000000', region: 'ap-guangzhou', domain: 'myqcloud.com' });
    assert.equal(parseBucketHost('photos-1250000000.cos.ap-guangzhou.tencentcos.cn')?.domain, 'tencentcos.cn');
    assert.equal(parseBucketHost('127.0.0.1:9000'), undefined);
    assert.equal(isCosBucketName('photos-1250000000'), true);
    assert.equal(isCosBucketName('Photos-1250000000'), false);
    assert.equal(isCosBucketName('photos'), false);
  });
});
