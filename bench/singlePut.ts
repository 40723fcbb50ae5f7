/** `node bench/singlePut.ts ENDPOINT FILE KEY`: one PUT Object of a whole file with our CosClient (SSE AES256, CRC-64 checked) — what a multipart upload is compared with. */
import { CosClient } from '../core/cos/cosClient.ts';
import { BENCH_BUCKET, BENCH_CREDENTIALS, BENCH_REGION } from './benchKit.ts';

const [endpoint, file, key] = process.argv.slice(2) as [string, string, string];
const client = new CosClient({ credentials: BENCH_CREDENTIALS, region: BENCH_REGION, endpoint, pathStyle: true });
try {
  const result = await client.putObject(BENCH_BUCKET, key, file);
  if (!result.crc64Verified) throw new Error('the engine reported no CRC-64');
} finally {
  await client.close();
}
