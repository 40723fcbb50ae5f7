/** Sets or removes a bucket policy through our own client's transport (the client has no policy API of its own). */
import type { CosClient } from '../../core/cos/cosClient.ts';
import { bufferBody } from '../../core/cos/requestBody.ts';

/** PUT `?policy` with `text`, or DELETE `?policy` when `text` is null; rejects with the server's error. */
export async function setBucketPolicy(client: CosClient, bucket: string, text: string | null): Promise<void> {
  await client.transport.send({
    operation: text === null ? 'DELETE Bucket policy' : 'PUT Bucket policy', method: text === null ? 'DELETE' : 'PUT', bucket, query: [['policy', '']], idempotent: true,
    ...(text === null ? {} : { headers: { 'content-type': 'application/json' }, body: bufferBody(Buffer.from(text)) }),
  });
}
