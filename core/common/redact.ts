/** Removes secrets (SecretKey, SSE-C keys, signatures, Authorization) from text before it is logged. */

const secretHeaderPattern = /(authorization|x-cos-security-token|x-amz-security-token|x-cos-server-side-encryption-customer-key|x-cos-copy-source-server-side-encryption-customer-key|x-amz-server-side-encryption-customer-key)(["']?\s*[:=]\s*["']?)([^"'\n,}]+)/gi;
const signaturePattern = /(q-signature|X-Amz-Signature|Signature|q-ak|X-Amz-Credential|secretKey|secret_key|SecretKey|secret-key)(["']?\s*[=:]\s*["']?)([^&"'\s,}]+)/g;

/** Returns `text` with every secret-looking value replaced by `[redacted]`. */
export function redact(text: string): string {
  return text.replace(secretHeaderPattern, '$1$2[redacted]').replace(signaturePattern, '$1$2[redacted]');
}
