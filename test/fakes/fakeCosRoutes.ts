/** Object, listing, multipart, copy and form routes of the in-memory fake COS. */
import { randomUUID } from 'node:crypto';
import { parseBucketHost } from '../../core/protocol/bucketHost.ts';
import { crc64, crc64Combine } from '../../core/protocol/crc64.ts';
import { sseHeaders } from '../../core/protocol/serverSideEncryption.ts';
import { headerValue, safeDecode } from '../../core/protocol/signableRequest.ts';
import {
  buildCompleteMultipartUploadResult,
  buildCopyObjectResult,
  buildCopyPartResult,
  buildDeleteResult,
  buildEncryptionConfiguration,
  buildInitiateMultipartUploadResult,
  buildListMultipartUploadsResult,
  buildListObjectsResult,
  buildListPartsResult,
  parseCompleteMultipartUpload,
  parseDeleteRequest,
  parseEncryptionConfiguration,
} from '../../core/protocol/xml.ts';
import { customerKey, digestOf, FakeError, requestedSse, sseEcho, type FakeObject, type FakeReply, type FakeRequest, type FakeSse, type FakeUpload } from './fakeCos.ts';

type Store = { objects: Map<string, FakeObject>; uploads: Map<string, FakeUpload>; encryption?: string };
interface Context {
  bucket: string;
  pageSize: number;
  region: string;
  lookup: (id: string) => string | undefined;
  verifyPostPolicy: (policy: string, secretKey: string, keyTime: string, signature: string) => boolean;
}

const xml = (body: string, headers: Record<string, string> = {}): FakeReply => ({ headers: { 'content-type': 'application/xml', ...headers }, body });

function metadataOf(headers: FakeRequest['headers']): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.startsWith('x-cos-meta-') && typeof value === 'string') metadata[name] = value;
  return metadata;
}

function objectHeaders(object: FakeObject): Record<string, string> {
  return { etag: object.etag, 'x-cos-hash-crc64ecma': object.crc64, 'content-type': object.contentType, 'last-modified': object.lastModified.toUTCString(), ...object.metadata, ...sseEcho(object.sse) };
}

/** SSE-C objects need their key on reads; others must not get one. */
function checkReadKey(object: FakeObject, headers: FakeRequest['headers'], keyName: string = sseHeaders.customerKey, md5Name: string = sseHeaders.customerKeyMd5, algName: string = sseHeaders.customerAlgorithm): void {
  const given = headerValue(headers, algName);
  if (object.sse?.algorithm === 'SSE-C') {
    if (!given) throw new FakeError('InvalidRequest', 'This object is SSE-C encrypted: send its key.');
    if (customerKey(headers, keyName, md5Name) !== object.sse.keyMd5) throw new FakeError('AccessDenied', 'Wrong SSE-C key.');
  } else if (given) throw new FakeError('InvalidRequest', 'The object is not SSE-C encrypted.');
}

function store(s: Store, key: string, data: Buffer, sse: FakeSse, request: FakeRequest, contentType?: string, metadata?: Record<string, string>): FakeObject {
  const object: FakeObject = { data, ...digestOf(data), contentType: contentType || request.contentType || 'application/octet-stream', metadata: metadata ?? metadataOf(request.headers), sse, lastModified: new Date() };
  s.objects.set(key, object);
  return object;
}

function copySource(request: FakeRequest, s: Store, ctx: Context): FakeObject {
  const text = headerValue(request.headers, 'x-cos-copy-source') ?? '';
  const slash = text.indexOf('/');
  const host = parseBucketHost(text.slice(0, slash));
  if (!host || host.bucket !== ctx.bucket) throw new FakeError('InvalidCopySource');
  const source = s.objects.get(safeDecode(text.slice(slash + 1)));
  if (!source) throw new FakeError('NoSuchKey');
  checkReadKey(source, request.headers, sseHeaders.copySourceCustomerKey, sseHeaders.copySourceCustomerKeyMd5, sseHeaders.copySourceCustomerAlgorithm);
  return source;
}

function upload(s: Store, request: FakeRequest): FakeUpload {
  const found = s.uploads.get(request.query.uploadId ?? '');
  if (!found || found.key !== request.key) throw new FakeError('NoSuchUpload');
  return found;
}

function postForm(request: FakeRequest, s: Store, ctx: Context): FakeReply {
  const boundary = /boundary=(.+)$/.exec(request.contentType)?.[1] ?? '';
  const fields = new Map<string, string>();
  let file: Buffer | undefined;
  for (const piece of request.body.toString('latin1').split(`--${boundary}`).slice(1, -1)) {
    const split = piece.indexOf('\r\n\r\n');
    const name = /name="([^"]+)"/.exec(piece.slice(0, split))?.[1] ?? '';
    const value = piece.slice(split + 4, -2);
    if (name === 'file') file = Buffer.from(value, 'latin1');
    else fields.set(name, Buffer.from(value, 'latin1').toString('utf8'));
  }
  const secret = ctx.lookup(fields.get('q-ak') ?? '');
  const policy = Buffer.from(fields.get('policy') ?? '', 'base64').toString('utf8');
  if (!secret || !ctx.verifyPostPolicy(policy, secret, fields.get('q-key-time') ?? '', fields.get('q-signature') ?? '')) throw new FakeError('AccessDenied', 'Bad form signature.');
  if (!file) throw new FakeError('IncorrectNumberOfFilesInPostRequest');
  const headers: Record<string, string> = {};
  for (const [name, value] of fields) headers[name.toLowerCase()] = value;
  const sse = requestedSse(headers);
  const metadata = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-cos-meta-')));
  const object = store(s, fields.get('key') ?? '', file, sse, request, fields.get('Content-Type'), metadata);
  return { status: 200, headers: { etag: object.etag, 'x-cos-hash-crc64ecma': object.crc64, ...sseEcho(sse) } };
}

function bucketRoutes(request: FakeRequest, s: Store, ctx: Context): FakeReply {
  const q = request.query;
  if (request.method === 'HEAD') return { headers: { 'x-cos-bucket-region': ctx.region } };
  if ('encryption' in q) {
    if (request.method === 'PUT') s.encryption = parseEncryptionConfiguration(request.body).rules[0]?.sseAlgorithm;
    if (request.method === 'DELETE') {
      delete s.encryption;
      return { status: 204 };
    }
    if (request.method === 'GET' && !s.encryption) throw new FakeError('NoSuchEncryptionConfiguration');
    return request.method === 'GET' ? xml(buildEncryptionConfiguration({ rules: [{ sseAlgorithm: s.encryption! }] })) : {};
  }
  if (request.method === 'POST' && 'delete' in q) {
    const parsed = parseDeleteRequest(request.body);
    for (const target of parsed.objects) s.objects.delete(target.key);
    return xml(buildDeleteResult({ deleted: parsed.objects.map(({ key }) => ({ key })), errors: [] }));
  }
  if (request.method === 'POST') return postForm(request, s, ctx);
  if (request.method === 'GET' && 'uploads' in q) {
    const uploads = [...s.uploads.values()].filter((u) => u.key.startsWith(q.prefix ?? '')).sort((a, b) => (a.key < b.key ? -1 : 1));
    return xml(buildListMultipartUploadsResult({
      bucket: ctx.bucket, encodingType: q['encoding-type'], keyMarker: '', uploadIdMarker: '', maxUploads: 1000, prefix: q.prefix ?? '', isTruncated: false, commonPrefixes: [],
      uploads: uploads.map((u) => ({ key: u.key, uploadId: u.uploadId, storageClass: 'STANDARD', initiated: u.initiated.toISOString() })),
    }));
  }
  if (request.method === 'GET') {
    const prefix = q.prefix ?? '';
    const maxKeys = Number(q['max-keys'] ?? ctx.pageSize);
    const keys = [...s.objects.keys()].filter((k) => k.startsWith(prefix) && k > (q.marker ?? '')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let last = '';
    for (const k of keys) {
      if (contents.length + prefixes.size >= maxKeys) break;
      const cut = q.delimiter ? k.indexOf(q.delimiter, prefix.length) : -1;
      if (cut >= 0) prefixes.add(k.slice(0, cut + 1));
      else contents.push(k);
      last = k;
    }
    const truncated = keys.length > 0 && last !== keys.at(-1);
    return xml(buildListObjectsResult({
      name: ctx.bucket, prefix, marker: q.marker ?? '', maxKeys, isTruncated: truncated, nextMarker: truncated ? last : undefined, delimiter: q.delimiter, encodingType: q['encoding-type'],
      commonPrefixes: [...prefixes],
      contents: contents.map((k) => ({ key: k, lastModified: s.objects.get(k)!.lastModified.toISOString(), etag: s.objects.get(k)!.etag, size: s.objects.get(k)!.data.length, storageClass: 'STANDARD' })),
    }));
  }
  throw new FakeError('MethodNotAllowed');
}

function multipartRoutes(request: FakeRequest, s: Store, ctx: Context): FakeReply | undefined {
  const q = request.query;
  if (request.method === 'POST' && 'uploads' in q) {
    const sse = requestedSse(request.headers);
    const created: FakeUpload = { key: request.key, uploadId: randomUUID().replaceAll('-', ''), sse, contentType: request.contentType, metadata: metadataOf(request.headers), parts: new Map(), initiated: new Date() };
    s.uploads.set(created.uploadId, created);
    return xml(buildInitiateMultipartUploadResult({ bucket: ctx.bucket, key: request.key, uploadId: created.uploadId }), sseEcho(sse));
  }
  if (!('uploadId' in q)) return undefined;
  const current = upload(s, request);
  if (request.method === 'PUT') {
    const partNumber = Number(q.partNumber);
    if (current.sse?.algorithm === 'SSE-C' && customerKey(request.headers, sseHeaders.customerKey, sseHeaders.customerKeyMd5) !== current.sse.keyMd5) throw new FakeError('AccessDenied');
    if (headerValue(request.headers, 'x-cos-copy-source')) {
      const source = copySource(request, s, ctx);
      const range = /bytes=(\d+)-(\d+)/.exec(headerValue(request.headers, 'x-cos-copy-source-range') ?? '');
      const data = range ? source.data.subarray(Number(range[1]), Number(range[2]) + 1) : source.data;
      const digest = digestOf(data);
      current.parts.set(partNumber, { data, etag: digest.etag, crc64: BigInt(digest.crc64) });
      return xml(buildCopyPartResult({ etag: digest.etag, lastModified: new Date().toISOString() }), { 'x-cos-hash-crc64ecma': digest.crc64 });
    }
    const digest = digestOf(request.body);
    current.parts.set(partNumber, { data: request.body, etag: digest.etag, crc64: BigInt(digest.crc64) });
    return { headers: { etag: digest.etag, 'x-cos-hash-crc64ecma': digest.crc64, ...sseEcho(current.sse) } };
  }
  if (request.method === 'GET') {
    const all = [...current.parts.entries()].sort((a, b) => a[0] - b[0]);
    const marker = Number(q['part-number-marker'] ?? 0);
    const max = Number(q['max-parts'] ?? ctx.pageSize);
    const page = all.filter(([n]) => n > marker).slice(0, max);
    const truncated = all.filter(([n]) => n > marker).length > page.length;
    return xml(buildListPartsResult({
      bucket: ctx.bucket, key: request.key, uploadId: current.uploadId, partNumberMarker: marker, storageClass: 'STANDARD', maxParts: max, isTruncated: truncated,
      nextPartNumberMarker: page.at(-1)?.[0],
      parts: page.map(([n, p]) => ({ partNumber: n, lastModified: new Date().toISOString(), etag: p.etag, size: p.data.length })),
    }));
  }
  if (request.method === 'DELETE') {
    s.uploads.delete(current.uploadId);
    return { status: 204 };
  }
  if (request.method === 'POST') {
    const listed = parseCompleteMultipartUpload(request.body).parts;
    const chunks: Buffer[] = [];
    let whole = 0n;
    for (const [index, part] of listed.entries()) {
      const stored = current.parts.get(part.partNumber);
      if (!stored || stored.etag !== part.etag) throw new FakeError('InvalidPart');
      if (index > 0 && listed[index - 1]!.partNumber >= part.partNumber) throw new FakeError('InvalidPartOrder');
      if (index < listed.length - 1 && stored.data.length < 1024 * 1024) throw new FakeError('EntityTooSmall');
      chunks.push(stored.data);
      whole = crc64Combine(whole, stored.crc64, stored.data.length);
    }
    const data = Buffer.concat(chunks);
    if (crc64(data) !== whole) throw new FakeError('InternalError', 'CRC combine disagrees.');
    const object = store(s, request.key, data, current.sse, request, current.contentType, current.metadata);
    object.etag = `"${digestOf(data).etag.slice(1, 33)}-${listed.length}"`;
    s.uploads.delete(current.uploadId);
    const location = `http://${ctx.bucket}.cos.${ctx.region}.myqcloud.com/${request.key}`;
    return xml(buildCompleteMultipartUploadResult({ location, bucket: ctx.bucket, key: request.key, etag: object.etag }), { 'x-cos-hash-crc64ecma': object.crc64, ...sseEcho(object.sse) });
  }
  return undefined;
}

/** Routes one authenticated request for `store`. Throws {@link FakeError} for COS errors. */
export function fakeCosRoutes(request: FakeRequest, s: Store, ctx: Context): FakeReply {
  if (request.key === '') return bucketRoutes(request, s, ctx);
  const multipart = multipartRoutes(request, s, ctx);
  if (multipart) return multipart;
  if (request.method === 'PUT') {
    const sse = requestedSse(request.headers);
    if (headerValue(request.headers, 'x-cos-copy-source')) {
      const source = copySource(request, s, ctx);
      const replace = headerValue(request.headers, 'x-cos-metadata-directive') === 'Replaced';
      const object = store(s, request.key, source.data, sse, request, replace ? request.contentType : source.contentType, replace ? metadataOf(request.headers) : source.metadata);
      return xml(buildCopyObjectResult({ etag: object.etag, lastModified: object.lastModified.toISOString() }), { 'x-cos-hash-crc64ecma': object.crc64, ...sseEcho(sse) });
    }
    const object = store(s, request.key, request.body, sse, request);
    return { headers: { etag: object.etag, 'x-cos-hash-crc64ecma': object.crc64, ...sseEcho(sse) } };
  }
  if (request.method === 'DELETE') {
    s.objects.delete(request.key);
    return { status: 204 };
  }
  const object = s.objects.get(request.key);
  if (!object) throw new FakeError('NoSuchKey');
  checkReadKey(object, request.headers);
  const range = /bytes=(\d+)-(\d*)/.exec(headerValue(request.headers, 'range') ?? '');
  if (range && request.method === 'GET') {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), object.data.length - 1) : object.data.length - 1;
    if (start >= object.data.length) throw new FakeError('InvalidRange');
    return { status: 206, headers: { ...objectHeaders(object), 'content-range': `bytes ${start}-${end}/${object.data.length}` }, body: object.data.subarray(start, end + 1) };
  }
  return { headers: { ...objectHeaders(object), 'content-length': String(object.data.length) }, body: request.method === 'HEAD' ? '' : object.data };
}
