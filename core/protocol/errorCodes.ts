/** The COS error-code table (cos-api.md §5.2) as data: HTTP status and a default message per code. */

/** One row of the COS error table. */
export interface CosErrorCodeInfo {
  /** The HTTP status COS answers with. */
  readonly status: number;
  /** A default one-sentence message (what a server sends when it has nothing more specific). */
  readonly message: string;
}

/**
 * Every COS error code a client or the local engine needs, keyed by code. `NotModified` (304) is deliberately
 * absent: it is a plain response, not an error. Includes the SDK-only `NoSuchEncryptionConfiguration` and the
 * older table's misspellings (`ImcompleteBody`, `MatadataTooLarge`) so they are recognised when received.
 */
export const COS_ERROR_CODES: Readonly<Record<string, CosErrorCodeInfo>> = Object.freeze({
  PermanentRedirect: { status: 301, message: 'The resource has moved permanently to another endpoint.' },
  Redirect: { status: 302, message: 'The request must be sent to another endpoint.' },
  TemporaryRedirect: { status: 307, message: 'The request is temporarily redirected to another endpoint.' },

  AppendPositionErr: { status: 400, message: 'The append position does not match the current object length.' },
  BadDigest: { status: 400, message: 'The Content-MD5 you specified did not match what we received.' },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed object size.' },
  EntityTooSmall: { status: 400, message: 'Your proposed upload is smaller than the minimum allowed part size.' },
  ImcompleteBody: { status: 400, message: 'The request body is shorter than the Content-Length header.' },
  IncompleteBody: { status: 400, message: 'The request body is shorter than the Content-Length header.' },
  IncorrectNumberOfFilesInPostRequest: { status: 400, message: 'POST requires exactly one file upload per request.' },
  InvalidArgument: { status: 400, message: 'A request parameter has an invalid value.' },
  InvalidBucketName: { status: 400, message: 'The specified bucket name is not valid.' },
  InvalidCopySource: { status: 400, message: 'The copy source is not valid.' },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified is not valid.' },
  InvalidPart: { status: 400, message: 'One or more of the specified parts could not be found or the ETag did not match.' },
  InvalidPartOrder: { status: 400, message: 'The list of parts was not in ascending order.' },
  InvalidPolicyDocument: { status: 400, message: 'The content of the form does not meet the conditions of the policy document.' },
  InvalidRegionName: { status: 400, message: 'The region name is not valid.' },
  InvalidRequest: { status: 400, message: 'The request is not valid.' },
  InvalidSHA1Digest: { status: 400, message: 'The SHA-1 digest you specified did not match what we received.' },
  InvalidTag: { status: 400, message: 'The tag set breaks the tagging limits (10 tags, 128-character keys, 256-character values).' },
  InvalidURI: { status: 400, message: 'The request URI is not valid.' },
  KeyTooLong: { status: 400, message: 'The object key is too long.' },
  MalformedPOSTRequest: { status: 400, message: 'The body of the POST request is not well-formed multipart/form-data.' },
  MalformedPolicy: { status: 400, message: 'The policy document is not valid.' },
  MalformedXML: { status: 400, message: 'The XML you provided was not well-formed or did not validate against our schema.' },
  MatadataTooLarge: { status: 400, message: 'The user metadata exceeds the maximum allowed size of 2 KB.' },
  MetadataTooLarge: { status: 400, message: 'The user metadata exceeds the maximum allowed size of 2 KB.' },
  MissingAppid: { status: 400, message: 'The request does not name an APPID.' },
  MissingContentMD5: { status: 400, message: 'This request requires a Content-MD5 header.' },
  MissingHost: { status: 400, message: 'The request has no Host header.' },
  MissingRequestBodyError: { status: 400, message: 'The request body is empty.' },
  NoSuchVersion: { status: 400, message: 'The specified version does not exist.' },
  NotSupportedStorageClass: { status: 400, message: 'The storage class is not supported.' },
  ObjectNotAppendable: { status: 400, message: 'The object is not appendable.' },
  RequestIsNotMultiPartContent: { status: 400, message: 'The POST request must be multipart/form-data.' },
  RequestTimeOut: { status: 400, message: 'The request body was not received within the timeout.' },
  TooManyBuckets: { status: 400, message: 'You have reached the maximum number of buckets (200).' },
  UnexpectedContent: { status: 400, message: 'This request does not support a body.' },
  XMLSizeLimit: { status: 400, message: 'The XML request body is too large.' },

  AccessDenied: { status: 403, message: 'Access denied.' },
  ExpiredToken: { status: 403, message: 'The temporary security token has expired.' },
  InvalidAccessKeyId: { status: 403, message: 'The SecretId does not exist in our records.' },
  InvalidObjectState: { status: 403, message: 'The operation is not valid for the current state of the object.' },
  RequestTimeTooSkewed: { status: 403, message: 'The difference between the request time and the server time is too large.' },
  SignatureDoesNotMatch: { status: 403, message: 'The request signature we calculated does not match the signature you provided.' },

  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist.' },
  NoSuchCopySource: { status: 404, message: 'The copy source does not exist.' },
  NoSuchBucketPolicy: { status: 404, message: 'The bucket policy does not exist.' },
  NoSuchPolicy: { status: 404, message: 'The bucket policy does not exist.' },
  NoSuchEncryptionConfiguration: { status: 404, message: 'The bucket has no default encryption configuration.' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NoSuchLifecycleConfiguration: { status: 404, message: 'The bucket has no lifecycle configuration.' },
  NoSuchTagSet: { status: 404, message: 'The tag set does not exist.' },
  NoSuchUpload: { status: 404, message: 'The specified multipart upload does not exist.' },
  NoSuchWebsiteConfiguration: { status: 404, message: 'The bucket has no website configuration.' },

  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  RestoreNonArchiveObject: { status: 405, message: 'Only archived objects can be restored.' },

  BucketAlreadyExists: { status: 409, message: 'The requested bucket name is not available.' },
  BucketAlreadyOwnedByYou: { status: 409, message: 'You already own this bucket.' },
  BucketNotEmpty: { status: 409, message: 'The bucket you tried to delete is not empty.' },
  InvalidBucketState: { status: 409, message: 'The request is not valid for the current state of the bucket.' },
  PathConflict: { status: 409, message: 'Path conflict.' },
  RestoreAlreadyInProgress: { status: 409, message: 'The object restore is already in progress.' },

  MissingContentLength: { status: 411, message: 'You must provide the Content-Length HTTP header.' },
  PreconditionFailed: { status: 412, message: 'Precondition not match.' },
  InvalidRange: { status: 416, message: 'The requested range is not satisfiable.' },
  UnavailableForLegalReasons: { status: 451, message: 'The resource is unavailable for legal reasons.' },

  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  NotImplemented: { status: 501, message: 'A header or parameter you provided implies functionality that is not implemented.' },
  ServiceUnavailable: { status: 503, message: 'The service is temporarily unavailable. Please try again.' },
  SlowDown: { status: 503, message: 'Please reduce your request rate.' },
});

/** True when `code` is a known COS error code. */
export function isCosErrorCode(code: string): boolean {
  return Object.hasOwn(COS_ERROR_CODES, code);
}

/** The HTTP status COS uses for `code`, or `undefined` for codes not in the table (including `NotModified`). */
export function errorStatus(code: string): number | undefined {
  return isCosErrorCode(code) ? COS_ERROR_CODES[code]!.status : undefined;
}

/** The default message for `code`, or a generic sentence for unknown codes. */
export function errorMessage(code: string): string {
  return isCosErrorCode(code) ? COS_ERROR_CODES[code]!.message : `The request failed with error ${code}.`;
}
