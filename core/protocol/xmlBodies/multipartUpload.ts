/** Multipart bodies: Initiate result, the Complete request and the Complete result. */
import { cosError } from '../cosError.ts';
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, buildXml, children, optionalInt, text, type XmlParseOptions } from '../xmlCodec.ts';

/** A parsed or to-be-built `InitiateMultipartUploadResult`. */
export interface InitiateMultipartUploadResult {
  bucket: string;
  key: string;
  uploadId: string;
}

/** One `<Part>` of a Complete request. */
export interface CompletePart {
  partNumber: number;
  /** Quoted hex as COS returns it from Upload Part, e.g. `"39270a96…"`. */
  etag: string;
}

/** A parsed or to-be-built `CompleteMultipartUpload` request. */
export interface CompleteMultipartUpload {
  parts: CompletePart[];
}

/** A parsed or to-be-built `CompleteMultipartUploadResult`. `etag` is `"<hex>-<parts>"`. */
export interface CompleteMultipartUploadResult {
  location: string;
  bucket: string;
  key: string;
  etag: string;
}

/** Normalises an ETag to the quoted form `"<value>"` whether it came quoted, `&quot;`-escaped or bare. */
export function quoteEtag(etag: string): string {
  return `"${etag.trim().replace(/^(?:"|&quot;)+|(?:"|&quot;)+$/g, '')}"`;
}

/** Parses `InitiateMultipartUploadResult`. Throws CosError `MalformedXML` / `XMLSizeLimit`. */
export function parseInitiateMultipartUploadResult(input: string | Uint8Array, options?: XmlParseOptions): InitiateMultipartUploadResult {
  const { node } = readXmlDocument(input, ['InitiateMultipartUploadResult'], options);
  return { bucket: text(node, 'Bucket'), key: text(node, 'Key'), uploadId: text(node, 'UploadId') };
}

/** Builds `<InitiateMultipartUploadResult><Bucket>…</Bucket><Key>…</Key><UploadId>…</UploadId></…>`. */
export function buildInitiateMultipartUploadResult(result: InitiateMultipartUploadResult): string {
  return buildXml('InitiateMultipartUploadResult', { Bucket: result.bucket, Key: result.key, UploadId: result.uploadId });
}

/**
 * Parses a `CompleteMultipartUpload` request: parts in document order (not sorted — ordering is the server's
 * check), children in any order, ETags normalised with {@link quoteEtag}. Throws CosError `MalformedXML` when a
 * part lacks a valid `PartNumber` or `ETag`.
 */
export function parseCompleteMultipartUpload(input: string | Uint8Array, options?: XmlParseOptions): CompleteMultipartUpload {
  const { node } = readXmlDocument(input, ['CompleteMultipartUpload'], options);
  const parts = children(node, 'Part').map((value): CompletePart => {
    const part = asNode(value);
    const partNumber = optionalInt(part, 'PartNumber');
    const etag = text(part, 'ETag');
    if (partNumber === undefined) throw cosError('MalformedXML', 'Every <Part> needs a numeric <PartNumber>.');
    if (etag.trim() === '') throw cosError('MalformedXML', `Part ${partNumber} has no <ETag>.`);
    return { partNumber, etag: quoteEtag(etag) };
  });
  return { parts };
}

/** Builds the Complete request as the SDK does: no whitespace, ETags quoted (escaped as `&quot;`). */
export function buildCompleteMultipartUpload(request: CompleteMultipartUpload): string {
  return buildXml('CompleteMultipartUpload', {
    Part: request.parts.map((part) => ({ PartNumber: String(part.partNumber), ETag: quoteEtag(part.etag) })),
  });
}

/**
 * Parses `CompleteMultipartUploadResult` (leading keep-alive whitespace allowed). A 200 whose body is `<Error>`
 * throws the CosError it describes.
 */
export function parseCompleteMultipartUploadResult(input: string | Uint8Array, options?: XmlParseOptions): CompleteMultipartUploadResult {
  const { node } = readXmlDocument(input, ['CompleteMultipartUploadResult'], options);
  return { location: text(node, 'Location'), bucket: text(node, 'Bucket'), key: text(node, 'Key'), etag: text(node, 'ETag') };
}

/** Builds `<CompleteMultipartUploadResult><Location>…</Location><Bucket>…</Bucket><Key>…</Key><ETag>…</ETag></…>`. */
export function buildCompleteMultipartUploadResult(result: CompleteMultipartUploadResult): string {
  return buildXml('CompleteMultipartUploadResult', { Location: result.location, Bucket: result.bucket, Key: result.key, ETag: result.etag });
}
