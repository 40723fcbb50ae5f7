/** Maps network, timeout and cancellation failures of one COS request to a CosSyncError with the right retry class. */
import { CosSyncError } from '../common/errors.ts';

const offlineCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const localFileCodes = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'SourceChanged']);
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
// OpenSSL verification failures as Node reports them, and Node's own host-name check.
const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The `code` of an error or of its cause chain (undici wraps system errors). */
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Converts a thrown transport error into a CosSyncError: `Cancelled` (retry class `cancelled`) when `signal` is
 * aborted, `Offline` (`offline`) when the endpoint cannot be reached, `Timeout` and `NetworkError` (`retry`) for
 * stalls and resets. CosSyncErrors pass through. Messages name the operation and endpoint host, never headers.
 */
export function transportError(error: unknown, operation: string, host: string, signal?: AbortSignal): CosSyncError {
  if (error instanceof CosSyncError) return error;
  if (signal?.aborted) {
    return new CosSyncError('Cancelled', `The ${operation} request was cancelled.`, { retry: 'cancelled', cause: error, details: { operation } });
  }
  const code = systemCode(error) ?? 'unknown';
  const details = { operation, host, systemCode: code };
  if (certificateCodes.has(code)) {
    return new CosSyncError('CertificateUntrusted', `The TLS certificate of ${host} was not accepted during ${operation} (${code}).`, {
      retry: 'auth',
      hint: 'If the server uses its own certificate (the bundled engine with --tls), give it to the client: --ca-file DATA/tls/cert.pem, or the account\'s CA file in Settings.',
      cause: error,
      details,
    });
  }
  if (offlineCodes.has(code)) {
    return new CosSyncError('Offline', `Could not reach ${host} for ${operation} (${code}).`, {
      retry: 'offline',
      hint: 'Check the network connection and the endpoint address; work resumes when it answers again.',
      cause: error,
      details,
    });
  }
  if (timeoutCodes.has(code)) {
    return new CosSyncError('Timeout', `${host} stopped responding during ${operation} (${code}).`, {
      retry: 'retry',
      hint: 'The network or server is slow; the request will be retried.',
      cause: error,
      details,
    });
  }
  if (code === 'UND_ERR_INVALID_ARG') {
    return new CosSyncError('InvalidRequest', `The ${operation} request could not be built: ${(error as Error).message}.`, {
      retry: 'fatal',
      hint: 'Header values (metadata, content type) must be printable ASCII.',
      cause: error,
      details,
    });
  }
  if (localFileCodes.has(code)) {
    return new CosSyncError('SourceUnreadable', `The file being uploaded could not be read during ${operation} (${code}).`, {
      retry: 'fatal',
      hint: 'The file was moved, deleted or changed while it was being uploaded; it will be picked up again when it is stable.',
      cause: error,
      details,
    });
  }
  if (code === 'unknown') {
    return new CosSyncError('UnexpectedError', `${operation} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`, { retry: 'fatal', cause: error, details });
  }
  return new CosSyncError('NetworkError', `The connection to ${host} failed during ${operation} (${code}).`, {
    retry: 'retry',
    hint: 'The connection was interrupted; the request will be retried.',
    cause: error,
    details,
  });
}
