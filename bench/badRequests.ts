/** Generated hostile requests for the engine: broken signatures, headers, XML bodies, chunk framing, ranges, part numbers, huge and empty values, cut-off bodies. */
import { createHash, randomBytes } from 'node:crypto';
import { signCos, signPostPolicy } from '../core/protocol/cosSignature.ts';
import { awsChunkSignature, credentialScope, deriveSigningKey, formatAmzDate, signV4, STREAMING_PAYLOAD } from '../core/protocol/sigv4.ts';
import type { RawCase } from './rawExchange.ts';

/** What the generators need to know about the engine under test. */
export interface BadRequestContext {
  bucket: string;
  region: string;
  credentials: { secretId: string; secretKey: string };
  /** An unfinished multipart upload of `partKey`. */
  uploadId: string;
  partKey: string;
  /** An existing object of `existingSize` bytes (for ranges and conditionals). */
  existingKey: string;
  existingSize: number;
}

/** One family of bad requests and the answers that are right for it. */
export interface BadRequestKind {
  name: string;
  /** Acceptable statuses; 0 means "the connection may end without an answer" (the client cut or reset it). */
  expect: number[];
  build(random: () => number, context: BadRequestContext): RawCase;
}

/** A small deterministic PRNG (mulberry32), so a run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const hostOf = (context: BadRequestContext): string => `${context.bucket}.cos.${context.region}.myqcloud.com`;
const now = (): number => Math.floor(Date.now() / 1000);

/** A q-sign signed head (only Host signed, so the other headers can be anything). */
function cosHead(context: BadRequestContext, method: string, key: string, query: [string, string][], headers: Record<string, string>, sign: { secretKey?: string; secretId?: string; start?: number } = {}): string {
  const host = hostOf(context);
  const authorization = signCos({ method, pathname: `/${key}`, query, headers: { host } }, { secretId: sign.secretId ?? context.credentials.secretId, secretKey: sign.secretKey ?? context.credentials.secretKey }, { startSeconds: sign.start ?? now() - 1 });
  const search = query.map(([name, value]) => (value === '' ? name : `${name}=${encodeURIComponent(value)}`)).join('&');
  const lines = [`${method} /${key}${search ? `?${search}` : ''} HTTP/1.1`, `Host: ${host}`, `Authorization: ${authorization}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A signed request with a complete body of `body` bytes. */
function signedWithBody(context: BadRequestContext, method: string, key: string, query: [string, string][], headers: Record<string, string>, body: Buffer): RawCase {
  return { head: cosHead(context, method, key, query, { ...headers, 'Content-Length': String(body.length) }), body, ending: 'wait' };
}

const key = (random: () => number): string => `bad/${Math.floor(random() * 1e9).toString(36)}`;
const xmlJunk = (random: () => number): string => pick(random, [
  '<CompleteMultipartUpload><Part>', '<<<>>>', '<?xml version="1.0"?><Delete><Object><Key>a</Key></Object', `<a>${'<b>'.repeat(5000)}`, '\u0000\u0001\u0002',
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Delete><Object><Key>&c;</Key></Object></Delete>',
  '{"json": "not xml"}', '',
]);

/** Every kind of bad request, with the statuses COS/S3 give for it. */
export function badRequestKinds(): BadRequestKind[] {
  return [
    // Signatures and credentials.
    { name: 'unsigned PUT to a private bucket', expect: [403], build: (random, context) => ({ head: `PUT /${key(random)} HTTP/1.1\r\nHost: ${hostOf(context)}\r\nContent-Length: 3\r\n\r\n`, body: Buffer.from('abc'), ending: 'wait' }) },
    { name: 'wrong q-signature', expect: [403], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], {}, { secretKey: randomBytes(16).toString('hex') }), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'unknown SecretId', expect: [403], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], {}, { secretId: `AKID${randomBytes(12).toString('hex')}` }), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'expired q-sign-time', expect: [403], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], {}, { start: now() - 100_000 - Math.floor(random() * 1e6) }), body: Buffer.alloc(0), ending: 'wait' }) },
    {
      name: 'garbled Authorization', expect: [400, 403], build: (random, context) => {
        const value = pick(random, ['q-sign-algorithm=sha1', 'AWS4-HMAC-SHA256 Credential=', 'Bearer x', 'q-sign-algorithm=md5&q-ak=x&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00', randomBytes(40).toString('base64'), 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=zz']);
        return { head: `GET /${context.existingKey} HTTP/1.1\r\nHost: ${hostOf(context)}\r\nAuthorization: ${value}\r\n\r\n`, body: Buffer.alloc(0), ending: 'wait' };
      },
    },
    {
      name: 'SigV4 wrong signature', expect: [403], build: (random, context) => {
        const headers = { host: hostOf(context) };
        const signed = signV4({ method: 'GET', path: `/${context.existingKey}`, query: [], headers }, { accessKeyId: context.credentials.secretId, secretAccessKey: 'wrong' + randomBytes(8).toString('hex') }, { region: context.region, date: new Date() });
        const lines = Object.entries({ ...headers, ...signed }).map(([name, value]) => `${name}: ${value}`);
        return { head: `GET /${context.existingKey} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, body: Buffer.alloc(0), ending: 'wait' };
      },
    },
    {
      name: 'presigned URL with a bad expiry', expect: [400, 403], build: (random, context) => {
        const expires = pick(random, ['-1', '0', '999999999', 'abc', '']);
        const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${context.credentials.secretId}%2F20200101%2F${context.region}%2Fs3%2Faws4_request&X-Amz-Date=20200101T000000Z&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`;
        return { head: `GET /${context.existingKey}?${query} HTTP/1.1\r\nHost: ${hostOf(context)}\r\n\r\n`, body: Buffer.alloc(0), ending: 'wait' };
      },
    },
    // Headers.
    { name: 'header section over 8 KiB', expect: [400], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], Object.fromEntries(Array.from({ length: 20 + Math.floor(random() * 40) }, (_, index) => [`x-filler-${index}`, 'f'.repeat(500)]))), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'header section over 64 KiB', expect: [400, 431], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], { 'x-huge': 'h'.repeat(70_000 + Math.floor(random() * 30_000)) }), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'control bytes in a header', expect: [400], build: (random, context) => ({ head: `GET /${context.existingKey} HTTP/1.1\r\nHost: ${hostOf(context)}\r\nX-Bad: a\u0001b\u0000c\r\n\r\n`, body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'non-numeric Content-Length', expect: [400], build: (random, context) => ({ head: `PUT /${key(random)} HTTP/1.1\r\nHost: ${hostOf(context)}\r\nContent-Length: ${pick(random, ['abc', '-5', '1e3', '0x10', '5, 6'])}\r\n\r\n`, body: Buffer.from('hello'), ending: 'end' }) },
    { name: 'Content-Length and Transfer-Encoding both', expect: [400], build: (random, context) => ({ head: `PUT /${key(random)} HTTP/1.1\r\nHost: ${hostOf(context)}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, body: Buffer.from('5\r\nhello\r\n0\r\n\r\n'), ending: 'end' }) },
    { name: 'huge declared Content-Length', expect: [400], build: (random, context) => ({ head: cosHead(context, 'PUT', key(random), [], { 'Content-Length': String(6 * 1024 ** 3 + Math.floor(random() * 1e12)) }), body: Buffer.from('x'.repeat(100)), ending: 'wait' }) },
    { name: 'user metadata over 2 KB', expect: [400], build: (random, context) => signedWithBody(context, 'PUT', key(random), [], { 'x-cos-meta-big': 'm'.repeat(2100 + Math.floor(random() * 3000)) }, Buffer.from('m')) },
    { name: 'bad SSE header value', expect: [400], build: (random, context) => signedWithBody(context, 'PUT', key(random), [], { 'x-cos-server-side-encryption': pick(random, ['AES128', 'aes256', '', 'kms', 'AES256, AES256']) }, Buffer.from('s')) },
    {
      name: 'bad SSE-C key', expect: [400], build: (random, context) => signedWithBody(context, 'PUT', key(random), [], {
        'x-cos-server-side-encryption-customer-algorithm': 'AES256', 'x-cos-server-side-encryption-customer-key': randomBytes(Math.floor(random() * 40)).toString('base64'),
        'x-cos-server-side-encryption-customer-key-MD5': randomBytes(16).toString('base64'),
      }, Buffer.from('c')),
    },
    { name: 'empty or missing Host', expect: [400], build: (random, context) => ({ head: `GET /${context.existingKey} HTTP/1.1\r\n${pick(random, ['Host: \r\n', ''])}Authorization: q-sign-algorithm=sha1\r\n\r\n`, body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'unknown method', expect: [400, 405, 501], build: (random, context) => ({ head: cosHead(context, pick(random, ['FOO', 'PATCH', 'TRACE', 'PROPFIND']), key(random), [], {}), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'garbage request line', expect: [400], build: (random) => ({ head: pick(random, ['GARBAGE \u0000\u0001 NOT HTTP\r\n\r\n', 'GET %zz HTTP/1.1\r\n\r\n', `GET /${'a'.repeat(100)} HTTP/9.9\r\n\r\n`, 'GET\r\n\r\n', `${randomBytes(64).toString('latin1')}\r\n\r\n`]), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'key over 850 bytes', expect: [400], build: (random, context) => signedWithBody(context, 'PUT', `k${'x'.repeat(850 + Math.floor(random() * 500))}`, [], {}, Buffer.from('k')) },
    { name: 'dot segments and NUL in the key', expect: [400], build: (random, context) => ({ head: `PUT /${pick(random, ['a/../b', './x', 'a%00b', 'bad%ZZ', '%C3%28'])} HTTP/1.1\r\nHost: ${hostOf(context)}\r\nContent-Length: 1\r\n\r\n`, body: Buffer.from('x'), ending: 'wait' }) },
    { name: 'request target over the header limit', expect: [400, 414, 431], build: (random, context) => ({ head: `GET /?prefix=${'p'.repeat(66_000 + Math.floor(random() * 10_000))} HTTP/1.1\r\nHost: ${hostOf(context)}\r\n\r\n`, body: Buffer.alloc(0), ending: 'wait' }) },
    // XML bodies.
    { name: 'malformed CompleteMultipartUpload', expect: [400], build: (random, context) => signedWithBody(context, 'POST', context.partKey, [['uploadId', context.uploadId]], {}, Buffer.from(xmlJunk(random))) },
    {
      name: 'malformed DeleteObjects', expect: [400], build: (random, context) => {
        const body = Buffer.from(xmlJunk(random));
        return signedWithBody(context, 'POST', '', [['delete', '']], { 'Content-MD5': random() < 0.5 ? createHash('md5').update(body).digest('base64') : randomBytes(16).toString('base64') }, body);
      },
    },
    { name: 'DeleteObjects with 1001+ keys', expect: [400], build: (random, context) => signedWithBody(context, 'POST', '', [['delete', '']], {}, Buffer.from(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001 + Math.floor(random() * 200))}</Delete>`)) },
    { name: 'malformed bucket encryption', expect: [400], build: (random, context) => signedWithBody(context, 'PUT', '', [['encryption', '']], {}, Buffer.from(xmlJunk(random))) },
    { name: 'XML body over 2 MiB', expect: [400], build: (random, context) => signedWithBody(context, 'POST', context.partKey, [['uploadId', context.uploadId]], {}, Buffer.alloc(2 * 1024 * 1024 + 1 + Math.floor(random() * 1000), 0x3c)) },
    // Chunk framing.
    { name: 'bad chunk size', expect: [400], build: (random, context) => ({ head: cosHead(context, 'PUT', key(random), [], { 'Transfer-Encoding': 'chunked' }), body: Buffer.from(`${pick(random, ['-1', 'zz', '1x', 'ffffffffffffffffff', ''])}\r\nhello\r\n0\r\n\r\n`), ending: 'wait' }) },
    { name: 'chunk cut then close', expect: [0, 400], build: (random, context) => ({ head: cosHead(context, 'PUT', key(random), [], { 'Transfer-Encoding': 'chunked' }), body: Buffer.from(`10000\r\n${'x'.repeat(Math.floor(random() * 5000))}`), ending: 'end' }) },
    { name: 'transfer coding gzip, chunked', expect: [501], build: (random, context) => ({ head: cosHead(context, 'PUT', key(random), [], { 'Transfer-Encoding': 'gzip, chunked' }), body: Buffer.from('5\r\nhello\r\n0\r\n\r\n'), ending: 'wait' }) },
    { name: 'aws-chunked wrong chunk signature', expect: [400, 403], build: (random, context) => awsChunked(context, key(random), true) },
    { name: 'aws-chunked broken framing', expect: [400, 403], build: (random, context) => awsChunked(context, key(random), false) },
    // Bodies cut short or reset.
    { name: 'short body then close', expect: [0, 400], build: (random, context) => ({ head: cosHead(context, 'PUT', key(random), [], { 'Content-Length': String(200_000 + Math.floor(random() * 1e6)) }), body: randomBytes(Math.floor(random() * 100_000)), ending: 'end' }) },
    { name: 'client gone mid-body', expect: [0, 400], build: (random, context) => ({ head: cosHead(context, 'PUT', key(random), [], { 'Content-Length': String(1_000_000) }), body: randomBytes(Math.floor(random() * 300_000)), ending: 'destroy' }) },
    { name: 'Upload Part cut short', expect: [0, 400], build: (random, context) => ({ head: cosHead(context, 'PUT', context.partKey, [['partNumber', String(1 + Math.floor(random() * 9999))], ['uploadId', context.uploadId]], { 'Content-Length': '500000' }), body: randomBytes(Math.floor(random() * 200_000)), ending: pick(random, ['end', 'destroy'] as const) }) },
    { name: 'POST form cut short', expect: [0, 400], build: (random, context) => cutForm(context, key(random), pick(random, ['end', 'destroy'] as const), random) },
    // Ranges and conditionals.
    { name: 'unsatisfiable range', expect: [416], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], { Range: `bytes=${context.existingSize + Math.floor(random() * 1e9)}-` }), body: Buffer.alloc(0), ending: 'wait' }) },
    // Malformed ranges are ignored (RFC 9110 §14.2, as S3 does): the whole object comes back.
    { name: 'malformed range', expect: [200, 206, 416], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], { Range: pick(random, ['bytes=abc', 'bytes=5-1', 'bytes=-', 'items=0-5', 'bytes=0-1,3-4,' + '7-8,'.repeat(500), `bytes=${'9'.repeat(40)}-`]) }), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'garbage conditional dates', expect: [200, 304, 412], build: (random, context) => ({ head: cosHead(context, 'GET', context.existingKey, [], { [pick(random, ['If-Modified-Since', 'If-Unmodified-Since'])]: pick(random, ['yesterday', '', 'Mon, 99 Foo 9999 99:99:99 GMT']) }), body: Buffer.alloc(0), ending: 'wait' }) },
    // Part numbers and upload ids.
    { name: 'bad part number', expect: [400], build: (random, context) => signedWithBody(context, 'PUT', context.partKey, [['partNumber', pick(random, ['0', '10001', '-1', 'abc', '', '1.5', '99999999999999999999'])], ['uploadId', context.uploadId]], {}, Buffer.from('p')) },
    { name: 'unknown upload id', expect: [404], build: (random, context) => signedWithBody(context, 'PUT', context.partKey, [['partNumber', '1'], ['uploadId', randomBytes(16).toString('hex')]], {}, Buffer.from('p')) },
    // Huge and empty values.
    {
      name: 'bad list parameters', expect: [400], build: (random, context) => {
        const value = pick(random, ['-1', 'abc', '1e9999', '0x10']);
        const query: [string, string][] = random() < 0.5 ? [['max-keys', value]] : [['uploads', ''], ['max-uploads', value]];
        return { head: cosHead(context, 'GET', '', query, {}), body: Buffer.alloc(0), ending: 'wait' };
      },
    },
    // S3 ignores unknown parameters (PUT and POST then mean what they mean without them) and answers 501 for sub-resources it does not implement.
    { name: 'unknown sub-resource', expect: [200, 400, 405, 409, 501], build: (random, context) => signedWithBody(context, pick(random, ['PUT', 'POST']), pick(random, ['', key(random)]), [[pick(random, ['website', 'lifecycle', 'replication', 'inventory', 'x-bogus']), '']], {}, Buffer.from('<a/>')) },
    {
      name: 'empty header values', expect: [200, 400], build: (random, context) => signedWithBody(context, 'PUT', key(random), [], {
        [pick(random, ['Content-Type', 'x-cos-meta-', 'x-cos-meta-empty', 'Content-MD5', 'x-cos-storage-class', 'x-cos-acl', 'Cache-Control', 'Expires'])]: '',
      }, Buffer.from('e')),
    },
    { name: 'PUT without a length', expect: [411], build: (random, context) => ({ head: cosHead(context, 'PUT', key(random), [], {}), body: Buffer.alloc(0), ending: 'wait' }) },
    { name: 'copy from a missing or malformed source', expect: [400, 404], build: (random, context) => signedWithBody(context, 'PUT', key(random), [], { 'x-cos-copy-source': pick(random, ['/', 'nobucket', `${hostOf(context)}/missing-${Math.floor(random() * 1e9)}`, '%zz', `${context.bucket}/${'x'.repeat(2000)}`]) }, Buffer.alloc(0)) },
    { name: 'other bucket or bad bucket name', expect: [400, 403, 404], build: (random, context) => ({ head: cosHead({ ...context, bucket: pick(random, ['missing-1250000000', 'UPPER-1250000000', 'a-1', `x${'y'.repeat(80)}-1250000000`]) }, 'GET', 'k', [], {}), body: Buffer.alloc(0), ending: 'wait' }) },
  ];
}

/** A signed POST Object form whose file part is cut off (half-close or reset) before its declared length. */
function cutForm(context: BadRequestContext, objectKey: string, ending: 'end' | 'destroy', random: () => number): RawCase {
  const keyTime = `${now() - 10};${now() + 600}`;
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 600_000).toISOString(), conditions: [{ bucket: context.bucket }] })).toString('base64');
  const fields: [string, string][] = [
    ['key', objectKey], ['policy', policy], ['q-sign-algorithm', 'sha1'], ['q-ak', context.credentials.secretId], ['q-key-time', keyTime],
    ['q-signature', signPostPolicy(Buffer.from(policy, 'base64'), context.credentials.secretKey, keyTime)], ['x-cos-server-side-encryption', 'AES256'],
  ];
  const boundary = `----form${randomBytes(8).toString('hex')}`;
  const prefix = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('')
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(prefix), randomBytes(Math.floor(random() * 150_000))]);
  const head = `POST / HTTP/1.1\r\nHost: ${hostOf(context)}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length + 400_000}\r\n\r\n`;
  return { head, body, ending };
}

/** A SigV4 aws-chunked PUT whose second chunk has a wrong signature (`badSignature`) or broken framing. */
function awsChunked(context: BadRequestContext, objectKey: string, badSignature: boolean): RawCase {
  const date = new Date();
  const credentials = { accessKeyId: context.credentials.secretId, secretAccessKey: context.credentials.secretKey };
  const data = randomBytes(80_000);
  const first = data.subarray(0, 65_536);
  const second = data.subarray(65_536);
  const headers: Record<string, string> = { host: hostOf(context), 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) };
  const stamp = formatAmzDate(date).slice(0, 8);
  const frame = (seed: string): Buffer => {
    const good = awsChunkSignature({ signingKey: deriveSigningKey(credentials.secretAccessKey, stamp, context.region, 's3'), scope: credentialScope(stamp, context.region, 's3'), date, previousSignature: seed, data: first });
    const secondHeader = badSignature ? `${second.length.toString(16)};chunk-signature=${'0'.repeat(64)}` : `${second.length.toString(16)}-garbage`;
    return Buffer.concat([
      Buffer.from(`${first.length.toString(16)};chunk-signature=${good}\r\n`), first, Buffer.from('\r\n'),
      Buffer.from(`${secondHeader}\r\n`), second, Buffer.from('\r\n'), Buffer.from(`0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`),
    ]);
  };
  headers['content-length'] = String(frame('0'.repeat(64)).length);
  const signed = signV4({ method: 'PUT', path: `/${objectKey}`, query: [], headers }, credentials, { region: context.region, date, payloadHash: STREAMING_PAYLOAD });
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.authorization)![1]!;
  const all = { ...headers, ...signed } as Record<string, string>;
  return { head: `PUT /${objectKey} HTTP/1.1\r\n${Object.entries(all).map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`, body: frame(seed), ending: 'wait' };
}
