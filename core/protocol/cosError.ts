/** CosError: a COS error response as a CosSyncError, plus the §5.1 Error XML document (build and parse). */
import { CosSyncError, type RetryClass } from '../common/errors.ts';
import { errorMessage, errorStatus } from './errorCodes.ts';
import { asNode, buildXml, optionalText, parseXmlTree, type XmlParseOptions } from './xmlCodec.ts';

/** The fields of a COS `<Error>` document. */
export interface CosErrorDocument {
  code: string;
  message: string;
  resource?: string;
  requestId?: string;
  traceId?: string;
  /** Server clock (the SDK uses it to correct skew). */
  serverTime?: string;
}

/** What a {@link CosError} is made from. */
export interface CosErrorInit {
  code: string;
  status: number;
  /** COS's own `<Message>`; kept as `serverMessage`, the user-facing message is built from the code. */
  message?: string;
  requestId?: string;
  traceId?: string;
  resource?: string;
  serverTime?: string;
  cause?: unknown;
}

const retryableCodes = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeOut']);
const authCodes = new Set(['AccessDenied', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'ExpiredToken', 'RequestTimeTooSkewed']);

// Readable sentence (without the final period) and fix hint for the codes users actually meet.
const explanations: Record<string, [sentence: string, hint: string]> = {
  SignatureDoesNotMatch: ['the signature was rejected', 'Check the SecretKey.'],
  InvalidAccessKeyId: ['the SecretId is not known to COS', 'Check the SecretId.'],
  AccessDenied: ['access was denied', 'Check that the key pair has permission for this bucket and that the request has not expired.'],
  ExpiredToken: ['the temporary credentials have expired', 'Refresh the temporary SecretId, SecretKey and token.'],
  RequestTimeTooSkewed: ['the request time differs too much from the server time', 'Check the system clock.'],
  NoSuchBucket: ['the bucket does not exist', 'Check the bucket name (NAME-APPID) and the region.'],
  NoSuchKey: ['the object does not exist', 'Check the object key; it may have been deleted.'],
  NoSuchUpload: ['the multipart upload does not exist', 'Start the upload again; the upload may have been aborted or completed.'],
  NoSuchBucketPolicy: ['the bucket has no policy', 'Nothing to do: no bucket policy restricts this bucket.'],
  NoSuchPolicy: ['the bucket has no policy', 'Nothing to do: no bucket policy restricts this bucket.'],
  MalformedPolicy: ['the bucket policy was refused', 'Fix the policy document (the server message names what is wrong) and send it again.'],
  NoSuchEncryptionConfiguration: ['the bucket has no default encryption', 'Configure bucket default encryption or send SSE headers with each upload.'],
  InvalidBucketName: ['the bucket name is not valid', 'COS buckets are written NAME-APPID (lowercase letters, digits, hyphens); other S3 servers take 3-63 lowercase letters, digits, dots and hyphens.'],
  InvalidRegionName: ['the region is not valid', 'Use a region such as ap-guangzhou.'],
  BadDigest: ['the data was corrupted in transit (Content-MD5 mismatch)', 'Retry the upload; check the network path if it keeps happening.'],
  InvalidDigest: ['the Content-MD5 header is not valid', 'Send the base64 MD5 of the body.'],
  EntityTooSmall: ['a multipart part is below the 1 MB minimum', 'Use parts of at least 1 MB except for the last.'],
  EntityTooLarge: ['the object or part is too large', 'Use multipart upload for objects above 5 GB.'],
  InvalidPart: ['a multipart part is missing or its ETag does not match', 'Upload the missing part again before completing.'],
  InvalidPartOrder: ['the parts were not listed in ascending order', 'Sort the parts by number before completing.'],
  PreconditionFailed: ['the object changed since it was last read', 'Reload the object and try again.'],
  InvalidRange: ['the requested range is outside the object', 'Request a range within the object size.'],
  MalformedXML: ['the XML was not well-formed', 'This is a bug in the client or server; report it.'],
  XMLSizeLimit: ['the XML body is too large', 'Send fewer entries per request.'],
  KeyTooLong: ['the object key is too long', 'Shorten the file path.'],
  MetadataTooLarge: ['the user metadata is larger than 2 KB', 'Store less metadata on the object.'],
  InvalidObjectState: ['the object is archived and not restored', 'Restore the object before reading it.'],
  SlowDown: ['COS asked to slow down', 'The request will be retried with backoff.'],
  ServiceUnavailable: ['COS is temporarily unavailable', 'The request will be retried with backoff.'],
  InternalError: ['COS reported an internal error', 'The request will be retried with backoff.'],
  RequestTimeOut: ['the request body was not received in time', 'Check the network connection; the request will be retried.'],
  PathConflict: ['another request wrote the same key at the same time', 'Retry the operation.'],
  BucketNotEmpty: ['the bucket is not empty', 'Delete its objects first.'],
};

/** True when a COS error with this code and status is worth retrying (5xx and throttling/timeouts). */
export function isRetryableCosError(code: string, status: number): boolean {
  return status >= 500 || retryableCodes.has(code);
}

/** The retry class for a COS error: `retry` when retryable, `auth` for credential errors, else `fatal`. */
export function cosRetryClass(code: string, status: number): RetryClass {
  if (isRetryableCosError(code, status)) return 'retry';
  if (authCodes.has(code)) return 'auth';
  return 'fatal';
}

/** An error answered by COS (or the local engine), with COS's code, HTTP status and request ids. */
export class CosError extends CosSyncError {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly traceId: string | undefined;
  readonly resource: string | undefined;
  readonly serverTime: string | undefined;
  /** COS's own `<Message>` text, when there was one. */
  readonly serverMessage: string | undefined;
  /** True for 5xx, SlowDown, ServiceUnavailable, InternalError and RequestTimeOut. */
  readonly retryable: boolean;

  constructor(init: CosErrorInit) {
    const [sentence, hint] = explanations[init.code] ?? [undefined, undefined];
    const what = sentence ?? (init.message ? init.message.replace(/\.\s*$/, '') : errorMessage(init.code).replace(/\.$/, ''));
    const where = [`COS ${init.code}`, `HTTP ${init.status}`, init.requestId ? `request ${init.requestId}` : undefined].filter(Boolean).join(', ');
    super(init.code, `${what.charAt(0).toUpperCase()}${what.slice(1)} (${where}).`, {
      retry: cosRetryClass(init.code, init.status),
      hint,
      cause: init.cause,
      details: { status: init.status, requestId: init.requestId, traceId: init.traceId, resource: init.resource, serverMessage: init.message },
    });
    this.name = 'CosError';
    this.status = init.status;
    this.requestId = init.requestId;
    this.traceId = init.traceId;
    this.resource = init.resource;
    this.serverTime = init.serverTime;
    this.serverMessage = init.message;
    this.retryable = isRetryableCosError(init.code, init.status);
  }
}

/** A CosError for `code` with the status from the error table (400 for unknown codes). */
export function cosError(code: string, message?: string, extra: Omit<CosErrorInit, 'code' | 'status' | 'message'> = {}): CosError {
  return new CosError({ code, status: errorStatus(code) ?? 400, message: message ?? errorMessage(code), ...extra });
}

/**
 * The §5.1 error document: `<?xml version='1.0' encoding='utf-8' ?><Error><Code>…</Code><Message>…</Message>
 * <Resource>…</Resource><RequestId>…</RequestId><TraceId>…</TraceId></Error>`. `message` defaults to the table's
 * sentence; absent optional fields are omitted.
 */
export function buildErrorXml(error: { code: string; message?: string; resource?: string; requestId?: string; traceId?: string; serverTime?: string }): string {
  const body = buildXml('Error', {
    Code: error.code,
    Message: error.message ?? errorMessage(error.code),
    Resource: error.resource,
    RequestId: error.requestId,
    TraceId: error.traceId,
    ServerTime: error.serverTime,
  });
  return `<?xml version='1.0' encoding='utf-8' ?>\n${body}`;
}

/** Parses a COS `<Error>` document; `undefined` when the text is not well-formed XML or its root is not `Error`. */
export function parseErrorXml(text: string | Uint8Array, options?: XmlParseOptions): CosErrorDocument | undefined {
  let parsed: ReturnType<typeof parseXmlTree>;
  try {
    parsed = parseXmlTree(text, options);
  } catch {
    return undefined;
  }
  if (parsed.root !== 'Error') return undefined;
  const node = asNode(parsed.node);
  const result: CosErrorDocument = { code: optionalText(node, 'Code') ?? '', message: optionalText(node, 'Message') ?? '' };
  const fields = [['resource', 'Resource'], ['requestId', 'RequestId'], ['traceId', 'TraceId'], ['serverTime', 'ServerTime']] as const;
  for (const [key, element] of fields) {
    const value = optionalText(node, element);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/** Headers as Fetch `Headers` or a Node/undici plain record. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

// Codes for bodiless error responses (HEAD), by status.
const statusCodes: Record<number, string> = {
  400: 'InvalidRequest', 403: 'AccessDenied', 404: 'NoSuchKey', 405: 'MethodNotAllowed', 409: 'InvalidBucketState',
  411: 'MissingContentLength', 412: 'PreconditionFailed', 416: 'InvalidRange', 500: 'InternalError',
  501: 'NotImplemented', 503: 'ServiceUnavailable',
};

/**
 * The CosError for an error response. Uses the `<Error>` body when there is one; without one (HEAD) the code comes
 * from the status (404 → NoSuchKey, 403 → AccessDenied, 412 → PreconditionFailed, …; other statuses give the
 * status as a string, as the SDK does). Request and trace ids fall back to `x-cos-request-id` / `x-cos-trace-id`.
 * For a 2xx whose body is `<Error>` (copy/complete), `status` is taken from the error table (500 if unknown).
 */
export function cosErrorFromResponse(status: number, headers: HeaderSource, bodyText?: string | Uint8Array): CosError {
  const document = bodyText === undefined || bodyText.length === 0 ? undefined : parseErrorXml(bodyText);
  const code = document?.code || statusCodes[status] || String(status);
  const effectiveStatus = status >= 200 && status < 300 ? (errorStatus(code) ?? 500) : status;
  return new CosError({
    code,
    status: effectiveStatus,
    message: document?.message || undefined,
    requestId: document?.requestId || header(headers, 'x-cos-request-id'),
    traceId: document?.traceId || header(headers, 'x-cos-trace-id'),
    resource: document?.resource,
    serverTime: document?.serverTime,
  });
}
