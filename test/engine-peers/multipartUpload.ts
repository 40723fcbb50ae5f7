/** A multipart upload done with our own signed requests (initiate, parts, complete), so tests can stop at any step. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cosRequest, header, type CosResponse, type CosTarget } from './cosRequest.ts';

/** An initiated upload whose parts are stored; {@link completeBody} gives the Complete XML. */
export interface PreparedUpload {
  uploadId: string;
  etags: string[];
}

/** Initiates an upload (with `headers`, e.g. SSE) and uploads `parts` in order; asserts every step succeeded. */
export async function prepareMultipart(target: CosTarget, key: string, parts: Buffer[], headers: Record<string, string> = {}): Promise<PreparedUpload> {
  const init = await cosRequest(target, { method: 'POST', key, query: [['uploads', '']], headers });
  assert.equal(init.status, 200, `initiate ${key}: ${init.body.toString()}`);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body.toString())?.[1];
  assert.ok(uploadId, `initiate returned an UploadId: ${init.body.toString()}`);
  const etags: string[] = [];
  for (const [index, part] of parts.entries()) {
    const response = await cosRequest(target, { method: 'PUT', key, query: [['partNumber', String(index + 1)], ['uploadId', uploadId]], body: part });
    assert.equal(response.status, 200, `part ${index + 1} of ${key}: ${response.body.toString()}`);
    etags.push(header(response, 'etag') ?? '');
  }
  return { uploadId, etags };
}

/** The Complete Multipart Upload XML for the prepared parts. */
export function completeBody(upload: PreparedUpload): Buffer {
  const parts = upload.etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('');
  return Buffer.from(`<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`);
}

/** Sends Complete (with Content-MD5, as the SDK does) and returns the raw response. */
export function completeMultipart(target: CosTarget, key: string, upload: PreparedUpload, timeoutMs?: number): Promise<CosResponse> {
  const body = completeBody(upload);
  return cosRequest(
    target,
    {
      method: 'POST', key, query: [['uploadId', upload.uploadId]], body,
      headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') },
    },
    timeoutMs,
  );
}

/** Initiate, parts and Complete in one go; asserts a 200 whose body is not an `<Error>`. */
export async function multipartUpload(target: CosTarget, key: string, parts: Buffer[], headers: Record<string, string> = {}): Promise<CosResponse> {
  const upload = await prepareMultipart(target, key, parts, headers);
  const done = await completeMultipart(target, key, upload);
  assert.equal(done.status, 200, `complete ${key}: ${done.body.toString()}`);
  assert.doesNotMatch(done.body.toString(), /<Error>/);
  return done;
}
