/** `node bench/s3rverChild.ts DIR BUCKET`: s3rver (the unencrypted, non-fsyncing reference peer) as a child process; prints its address. */
import { createRequire } from 'node:module';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

const [directory, bucket] = process.argv.slice(2);
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`s3rver listening on http://127.0.0.1:${port}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
