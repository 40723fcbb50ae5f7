/** Child script for the TLS test: the official COS SDK puts and gets one object over https (trust comes from NODE_EXTRA_CA_CERTS, as a user would give it). Prints one JSON line. */
import COS from 'cos-nodejs-sdk-v5';

const [port, secretId, secretKey, bucket, region] = process.argv.slice(2);
const cos = new COS({ SecretId: secretId!, SecretKey: secretKey!, Protocol: 'https:', Ip: `127.0.0.1:${port}`, Timeout: 20_000 });
try {
  const body = Buffer.from('sdk over tls');
  const put = await cos.putObject({ Bucket: bucket!, Region: region!, Key: 'tls/sdk.txt', Body: body, ServerSideEncryption: 'AES256' });
  const got = await cos.getObject({ Bucket: bucket!, Region: region!, Key: 'tls/sdk.txt' });
  console.log(JSON.stringify({ ok: true, sse: put.headers?.['x-cos-server-side-encryption'], same: Buffer.from(got.Body as Buffer).equals(body) }));
} catch (error) {
  const failure = error as { code?: string; message?: string; error?: { code?: string; message?: string } };
  console.log(JSON.stringify({ ok: false, code: failure.code ?? failure.error?.code, message: failure.message ?? failure.error?.message }));
}
