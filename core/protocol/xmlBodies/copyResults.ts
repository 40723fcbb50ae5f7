/** Copy bodies: `CopyObjectResult` (PUT Object - Copy) and `CopyPartResult` (Upload Part - Copy). */
import { readXmlDocument } from '../xmlDocument.ts';
import { buildXml, optionalText, text, type XmlParseOptions } from '../xmlCodec.ts';

/** A parsed or to-be-built `CopyObjectResult`; `versionId` only on versioned buckets. */
export interface CopyObjectResult {
  etag: string;
  lastModified: string;
  versionId?: string;
}

/** A parsed or to-be-built `CopyPartResult`. */
export interface CopyPartResult {
  etag: string;
  lastModified: string;
}

/**
 * Parses `CopyObjectResult`. A 200 whose body is `<Error>` (copy failed after starting) throws the CosError it
 * describes; other failures throw CosError `MalformedXML`.
 */
export function parseCopyObjectResult(input: string | Uint8Array, options?: XmlParseOptions): CopyObjectResult {
  const { node } = readXmlDocument(input, ['CopyObjectResult'], options);
  const result: CopyObjectResult = { etag: text(node, 'ETag'), lastModified: text(node, 'LastModified') };
  const versionId = optionalText(node, 'VersionId');
  if (versionId) result.versionId = versionId;
  return result;
}

/** Builds `<CopyObjectResult><ETag>…</ETag><LastModified>…</LastModified>[<VersionId>…</VersionId>]</CopyObjectResult>`. */
export function buildCopyObjectResult(result: CopyObjectResult): string {
  return buildXml('CopyObjectResult', { ETag: result.etag, LastModified: result.lastModified, VersionId: result.versionId });
}

/** Parses `CopyPartResult`; `<Error>` bodies throw as for {@link parseCopyObjectResult}. */
export function parseCopyPartResult(input: string | Uint8Array, options?: XmlParseOptions): CopyPartResult {
  const { node } = readXmlDocument(input, ['CopyPartResult'], options);
  return { etag: text(node, 'ETag'), lastModified: text(node, 'LastModified') };
}

/** Builds `<CopyPartResult><ETag>…</ETag><LastModified>…</LastModified></CopyPartResult>`. */
export function buildCopyPartResult(result: CopyPartResult): string {
  return buildXml('CopyPartResult', { ETag: result.etag, LastModified: result.lastModified });
}
