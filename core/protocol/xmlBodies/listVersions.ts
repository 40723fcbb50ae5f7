/** GET Bucket Object versions body: `ListVersionsResult` with `Version` and `DeleteMarker` entries (`/?versions`). */
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, bool, buildXml, children, int, optionalText, text, xmlBool, type XmlNode, type XmlParseOptions } from '../xmlCodec.ts';
import { ownerNode, parseOwner, type Owner } from './listObjects.ts';
import { decodeListingValue, encodeListingValue } from './urlEncoding.ts';

/** One entry: a data version (`Version`) or a delete marker (`DeleteMarker`, no ETag/Size/StorageClass). */
export interface VersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  lastModified: string;
  /** Data versions only (quoted, as HEAD sends it). */
  etag?: string;
  size?: number;
  storageClass?: string;
  owner?: Owner;
}

/** A parsed or to-be-built `ListVersionsResult`; values are plain text whatever `encodingType` says. */
export interface ListVersionsResult {
  name: string;
  prefix: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
  delimiter?: string;
  encodingType?: string;
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
  /** Versions and delete markers in listing order: key ascending, newest first within a key. */
  versions: VersionEntry[];
  commonPrefixes: string[];
}

/**
 * Builds the document. Entries keep their order, `Version` and `DeleteMarker` interleaved as S3 sends them; keys,
 * prefixes and markers are percent-encoded when `encodingType` is `url`.
 */
export function buildListVersionsResult(result: ListVersionsResult): string {
  const encode = result.encodingType === 'url' ? encodeListingValue : (value: string): string => value;
  const head = buildXml('ListVersionsResult', {
    Name: result.name,
    EncodingType: result.encodingType,
    Prefix: encode(result.prefix),
    KeyMarker: encode(result.keyMarker),
    VersionIdMarker: result.versionIdMarker,
    MaxKeys: String(result.maxKeys),
    Delimiter: result.delimiter === undefined ? undefined : encode(result.delimiter),
    IsTruncated: xmlBool(result.isTruncated),
    NextKeyMarker: result.nextKeyMarker === undefined ? undefined : encode(result.nextKeyMarker),
    NextVersionIdMarker: result.nextVersionIdMarker,
  });
  const entries = result.versions.map((entry) => buildXml(entry.deleteMarker ? 'DeleteMarker' : 'Version', {
    Key: encode(entry.key),
    VersionId: entry.versionId,
    IsLatest: xmlBool(entry.isLatest),
    LastModified: entry.lastModified,
    ETag: entry.deleteMarker ? undefined : entry.etag,
    Size: entry.deleteMarker || entry.size === undefined ? undefined : String(entry.size),
    StorageClass: entry.deleteMarker ? undefined : (entry.storageClass ?? 'STANDARD'),
    Owner: ownerNode(entry.owner),
  }));
  const prefixes = result.commonPrefixes.map((prefix) => buildXml('CommonPrefixes', { Prefix: encode(prefix) }));
  return head.replace(/<\/ListVersionsResult>$/, `${entries.join('')}${prefixes.join('')}</ListVersionsResult>`);
}

function parseEntry(value: XmlNode, deleteMarker: boolean, decode: (text: string) => string): VersionEntry {
  const entry: VersionEntry = {
    key: decode(text(value, 'Key')), versionId: text(value, 'VersionId'), isLatest: bool(value, 'IsLatest'), deleteMarker,
    lastModified: text(value, 'LastModified'),
  };
  if (!deleteMarker) {
    entry.etag = text(value, 'ETag');
    entry.size = int(value, 'Size');
    entry.storageClass = text(value, 'StorageClass') || 'STANDARD';
  }
  const owner = parseOwner(value, 'Owner');
  if (owner) entry.owner = owner;
  return entry;
}

/**
 * Parses `ListVersionsResult`. The XML parser groups `Version` and `DeleteMarker` elements, so `versions` is put back
 * in listing order: key ascending, then newest `LastModified` first (the latest entry first among equal times).
 */
export function parseListVersionsResult(input: string | Uint8Array, options?: XmlParseOptions): ListVersionsResult {
  const { node } = readXmlDocument(input, ['ListVersionsResult'], options);
  const encodingType = optionalText(node, 'EncodingType') || undefined;
  const decode = encodingType?.toLowerCase() === 'url' ? decodeListingValue : (value: string): string => value;
  const versions = [
    ...children(node, 'Version').map((value) => parseEntry(asNode(value), false, decode)),
    ...children(node, 'DeleteMarker').map((value) => parseEntry(asNode(value), true, decode)),
  ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.lastModified.localeCompare(a.lastModified) || Number(b.isLatest) - Number(a.isLatest)));
  const result: ListVersionsResult = {
    name: text(node, 'Name'), prefix: decode(text(node, 'Prefix')), keyMarker: decode(text(node, 'KeyMarker')), versionIdMarker: text(node, 'VersionIdMarker'),
    maxKeys: int(node, 'MaxKeys', 1000), isTruncated: bool(node, 'IsTruncated'), versions,
    commonPrefixes: children(node, 'CommonPrefixes').flatMap((value) => children(asNode(value), 'Prefix').map((prefix) => decode(typeof prefix === 'string' ? prefix : ''))),
  };
  const delimiter = optionalText(node, 'Delimiter');
  if (delimiter) result.delimiter = decode(delimiter);
  if (encodingType) result.encodingType = encodingType;
  const nextKey = optionalText(node, 'NextKeyMarker');
  if (nextKey) result.nextKeyMarker = decode(nextKey);
  const nextVersion = optionalText(node, 'NextVersionIdMarker');
  if (nextVersion) result.nextVersionIdMarker = nextVersion;
  return result;
}
