/** Tests the COS error table, CosError classification and messages, and the Error XML document. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CosSyncError, describeError, retryClassOf } from '../../core/common/errors.ts';
import { buildErrorXml, CosError, cosError, cosErrorFromResponse, cosRetryClass, parseErrorXml } from '../../core/protocol/cosError.ts';
import { COS_ERROR_CODES, errorMessage, errorStatus, isCosErrorCode } from '../../core/protocol/errorCodes.ts';

describe('errorCodes', () => {
  it('maps codes to the statuses of cos-api.md §5.2', () => {
    const expected: Record<string, number> = {
      NoSuchEncryptionConfiguration: 404, InvalidPolicyDocument: 400, RequestIsNotMultiPartContent: 400, MalformedPOSTRequest: 400,
      MetadataTooLarge: 400, KeyTooLong: 400, XMLSizeLimit: 400, InvalidRange: 416, PreconditionFailed: 412, NoSuchKey: 404,
      NoSuchBucket: 404, NoSuchUpload: 404, AccessDenied: 403, SignatureDoesNotMatch: 403, RequestTimeTooSkewed: 403, BadDigest: 400,
      InvalidDigest: 400, EntityTooSmall: 400, InvalidPart: 400, InvalidPartOrder: 400, MalformedXML: 400, PathConflict: 409,
      BucketNotEmpty: 409, MissingContentLength: 411, UnavailableForLegalReasons: 451, InternalError: 500, NotImplemented: 501,
      ServiceUnavailable: 503, SlowDown: 503, MethodNotAllowed: 405, PermanentRedirect: 301, TemporaryRedirect: 307, RequestTimeOut: 400,
    };
    for (const [code, status] of Object.entries(expected)) assert.equal(errorStatus(code), status, code);
  });

  it('does not treat NotModified or unknown codes as errors, and has a sentence for every code', () => {
    assert.equal(errorStatus('NotModified'), undefined);
    assert.equal(isCosErrorCode('NotModified'), false);
    assert.equal(errorStatus('toString'), undefined);
    assert.equal(errorStatus('NoSuchThing'), undefined);
    assert.match(errorMessage('NoSuchThing'), /NoSuchThing/);
    for (const [code, info] of Object.entries(COS_ERROR_CODES)) {
      assert.match(info.message, /^[A-Z].*\.$/, code);
      assert.ok(info.status >= 300 && info.status < 600, code);
    }
  });
});

describe('CosError', () => {
  it('is a CosSyncError with code, status, ids and a readable message and hint', () => {
    const error = new CosError({ code: 'SignatureDoesNotMatch', status: 403, message: 'The Signature you specified is invalid.', requestId: 'req-1', traceId: 'tr-1' });
    assert.ok(error instanceof CosSyncError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'CosError');
    assert.equal(error.code, 'SignatureDoesNotMatch');
    assert.equal(error.status, 403);
    assert.equal(error.requestId, 'req-1');
    assert.equal(error.traceId, 'tr-1');
    assert.equal(error.serverMessage, 'The Signature you specified is invalid.');
    assert.equal(error.message, 'The signature was rejected (COS SignatureDoesNotMatch, HTTP 403, request req-1).');
    assert.equal(error.hint, 'Check the SecretKey.');
    assert.equal(describeError(error), 'The signature was rejected (COS SignatureDoesNotMatch, HTTP 403, request req-1). Check the SecretKey.');
    assert.equal(retryClassOf(error), 'auth');
  });

  it('gives fix hints for the common codes', () => {
    assert.match(cosError('InvalidAccessKeyId').hint!, /SecretId/);
    assert.match(cosError('NoSuchBucket').hint!, /NAME-APPID.*region/);
    assert.match(cosError('RequestTimeTooSkewed').hint!, /system clock/);
    assert.match(cosError('ExpiredToken').hint!, /temporary/);
  });

  it('classifies retry / auth / fatal', () => {
    const cases: [string, number, 'retry' | 'auth' | 'fatal', boolean][] = [
      ['InternalError', 500, 'retry', true], ['ServiceUnavailable', 503, 'retry', true], ['SlowDown', 503, 'retry', true],
      ['RequestTimeOut', 400, 'retry', true], ['NotImplemented', 501, 'retry', true], ['Whatever', 502, 'retry', true],
      ['AccessDenied', 403, 'auth', false], ['SignatureDoesNotMatch', 403, 'auth', false], ['InvalidAccessKeyId', 403, 'auth', false],
      ['ExpiredToken', 403, 'auth', false], ['RequestTimeTooSkewed', 403, 'auth', false],
      ['NoSuchKey', 404, 'fatal', false], ['InvalidObjectState', 403, 'fatal', false], ['PreconditionFailed', 412, 'fatal', false],
      ['MalformedXML', 400, 'fatal', false], ['InvalidRange', 416, 'fatal', false],
    ];
    for (const [code, status, retry, retryable] of cases) {
      const error = new CosError({ code, status });
      assert.equal(error.retry, retry, code);
      assert.equal(error.retryable, retryable, code);
      assert.equal(cosRetryClass(code, status), retry, code);
    }
  });

  it('falls back to the server message, then the table sentence, for codes without an explanation', () => {
    assert.equal(new CosError({ code: 'NoSuchTagSet', status: 404, message: 'The TagSet does not exist.' }).message, 'The TagSet does not exist (COS NoSuchTagSet, HTTP 404).');
    assert.equal(new CosError({ code: 'NoSuchTagSet', status: 404 }).message, 'The tag set does not exist (COS NoSuchTagSet, HTTP 404).');
    assert.equal(new CosError({ code: '418', status: 418 }).message, 'The request failed with error 418 (COS 418, HTTP 418).');
    assert.equal(cosError('NoSuchUpload').status, 404);
    assert.equal(cosError('Unlisted').status, 400);
  });
});

describe('Error XML', () => {
  it('builds the §5.1 document', () => {
    const text = buildErrorXml({
      code: 'PreconditionFailed', message: 'Precondition not match.', resource: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject',
      requestId: 'NWYyMTFjODZfOGRjOTJhMDlfMmIyMWVfOTJl****', traceId: 'OGVmYzZiMmQz',
    });
    assert.equal(text, "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>PreconditionFailed</Code><Message>Precondition not match.</Message>" +
      '<Resource>examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject</Resource><RequestId>NWYyMTFjODZfOGRjOTJhMDlfMmIyMWVfOTJl****</RequestId>' +
      '<TraceId>OGVmYzZiMmQz</TraceId></Error>');
    assert.match(buildErrorXml({ code: 'NoSuchKey' }), /<Message>The specified key does not exist.<\/Message><\/Error>$/);
    assert.match(buildErrorXml({ code: 'InvalidArgument', message: 'bad <value> & "x"' }), /<Message>bad &lt;value&gt; &amp; &quot;x&quot;<\/Message>/);
  });

  it('round-trips through parseErrorXml', () => {
    const fields = { code: 'NoSuchKey', message: 'The key <a&b> does not exist.', resource: 'b-1.cos.ap-guangzhou.myqcloud.com/a&b', requestId: 'r', traceId: 't', serverTime: '2026-11-27T00:00:00Z' };
    assert.deepEqual(parseErrorXml(buildErrorXml(fields)), fields);
    assert.deepEqual(parseErrorXml(buildErrorXml({ code: 'SlowDown', message: 'Slow' })), { code: 'SlowDown', message: 'Slow' });
  });

  it('parses the documented pretty-printed document', () => {
    const doc = `<?xml version='1.0' encoding='utf-8' ?>
<Error>
  <Code>PreconditionFailed</Code>
  <Message>Precondition not match.</Message>
  <Resource>examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject</Resource>
  <RequestId>NWYyMTFjODZfOGRjOTJhMDlfMmIyMWVfOTJl****</RequestId>
  <TraceId>OGVmYzZiMmQz...</TraceId>
</Error>`;
    assert.deepEqual(parseErrorXml(doc), {
      code: 'PreconditionFailed', message: 'Precondition not match.', resource: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject',
      requestId: 'NWYyMTFjODZfOGRjOTJhMDlfMmIyMWVfOTJl****', traceId: 'OGVmYzZiMmQz...',
    });
  });

  it('returns undefined for non-Error or malformed text', () => {
    assert.equal(parseErrorXml(''), undefined);
    assert.equal(parseErrorXml('<html><body>502 Bad Gateway</body></html>'), undefined);
    assert.equal(parseErrorXml('<Error><Code>x</Error>'), undefined);
    assert.equal(parseErrorXml('<CopyObjectResult/>'), undefined);
  });
});

describe('cosErrorFromResponse', () => {
  it('uses the XML body and header ids', () => {
    const body = buildErrorXml({ code: 'NoSuchBucket', message: 'The specified bucket does not exist.', resource: 'b-1', traceId: 'tr-body' });
    const error = cosErrorFromResponse(404, { 'X-Cos-Request-Id': 'rid-header', 'x-cos-trace-id': 'tr-header' }, body);
    assert.equal(error.code, 'NoSuchBucket');
    assert.equal(error.status, 404);
    assert.equal(error.requestId, 'rid-header');
    assert.equal(error.traceId, 'tr-body');
    assert.equal(error.resource, 'b-1');
    assert.equal(error.retry, 'fatal');
    assert.match(describeError(error), /bucket does not exist.*NAME-APPID/);
    const bytes = cosErrorFromResponse(503, new Headers(), new TextEncoder().encode(buildErrorXml({ code: 'SlowDown' })));
    assert.equal(bytes.code, 'SlowDown');
    assert.equal(bytes.retry, 'retry');
  });

  it('maps bodiless (HEAD) responses by status', () => {
    const cases: [number, string, string][] = [
      [404, 'NoSuchKey', 'fatal'], [403, 'AccessDenied', 'auth'], [412, 'PreconditionFailed', 'fatal'], [416, 'InvalidRange', 'fatal'],
      [400, 'InvalidRequest', 'fatal'], [500, 'InternalError', 'retry'], [503, 'ServiceUnavailable', 'retry'], [418, '418', 'fatal'], [502, '502', 'retry'],
    ];
    for (const [status, code, retry] of cases) {
      const error = cosErrorFromResponse(status, new Headers({ 'x-cos-request-id': 'rid' }), '');
      assert.equal(error.code, code, String(status));
      assert.equal(error.status, status);
      assert.equal(error.retry, retry, String(status));
      assert.equal(error.requestId, 'rid');
    }
    assert.equal(cosErrorFromResponse(404, {}).code, 'NoSuchKey');
    assert.equal(cosErrorFromResponse(404, { 'x-cos-request-id': ['a', 'b'] }).requestId, 'a');
  });

  it('maps non-XML error bodies by status and 200-with-Error by code', () => {
    assert.equal(cosErrorFromResponse(502, {}, '<html>Bad Gateway</html>').code, '502');
    const embedded = cosErrorFromResponse(200, {}, '  \n<Error><Code>InternalError</Code><Message>copy failed</Message></Error>');
    assert.equal(embedded.code, 'InternalError');
    assert.equal(embedded.status, 500);
    assert.equal(embedded.retry, 'retry');
    assert.equal(cosErrorFromResponse(200, {}, '<Error><Code>Weird</Code></Error>').status, 500);
  });
});
