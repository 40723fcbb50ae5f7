/** Bucket default encryption: PUT, GET and DELETE `/?encryption`. */
import { createHash } from 'node:crypto';
import { CosError } from '../protocol/cosError.ts';
import { buildEncryptionConfiguration, parseEncryptionConfiguration, type EncryptionRule } from '../protocol/xml.ts';
import { bufferBody } from './requestBody.ts';
import type { Transport } from './transport.ts';

/** The bucket's default encryption rule, or undefined when none is configured (404 NoSuchEncryptionConfiguration). */
export async function getBucketEncryption(transport: Transport, bucket: string, signal?: AbortSignal): Promise<EncryptionRule | undefined> {
  try {
    const configuration = await transport.send(
      { operation: 'GET Bucket encryption', method: 'GET', bucket, query: [['encryption', '']], idempotent: true, signal },
      (response) => parseEncryptionConfiguration(response.body),
    );
    return configuration.rules[0];
  } catch (error) {
    if (error instanceof CosError && error.code === 'NoSuchEncryptionConfiguration') return undefined;
    throw error;
  }
}

/** Sets the bucket's default encryption (`AES256`, or `cos/kms` with an optional key id). */
export async function putBucketEncryption(transport: Transport, bucket: string, rule: EncryptionRule, signal?: AbortSignal): Promise<void> {
  const xml = Buffer.from(buildEncryptionConfiguration({ rules: [rule] }));
  await transport.send({
    operation: 'PUT Bucket encryption',
    method: 'PUT',
    bucket,
    query: [['encryption', '']],
    headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(xml).digest('base64') },
    body: bufferBody(xml),
    idempotent: true,
    signal,
  });
}

/** Removes the bucket's default encryption. */
export async function deleteBucketEncryption(transport: Transport, bucket: string, signal?: AbortSignal): Promise<void> {
  await transport.send({ operation: 'DELETE Bucket encryption', method: 'DELETE', bucket, query: [['encryption', '']], idempotent: true, signal });
}
