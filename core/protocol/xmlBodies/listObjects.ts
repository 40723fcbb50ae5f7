/** GET Bucket (List Objects) bodies: `ListBucketResult` V1 (marker) and V2 (`list-type=2`, continuation token). */
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, bool, buildXml, children, int, optionalInt, optionalText, text, xmlBool, type XmlBuildNode, type XmlNode, type XmlParseOptions } from '../xmlCodec.ts';
import { decodeListingValue, encodeListingValue } from './urlEncoding.ts';

/** An owner or initiator (`<ID>`, `<DisplayName>`). */
export interface Owner {
  id: string;
  displayName: string;
}

/** One `<Contents>` entry of a listing. `etag` is kept as sent (normally quoted hex). */
export interface ObjectEntry {
  key: string;
  lastModified: string;
  etag: string;
  size: number;
  storageClass: string;
  /** Only for INTELLIGENT_TIERING objects. */
  storageTier?: string;
  owner?: Owner;
}

/** A parsed or to-be-built `ListBucketResult` (V1). Values are decoded (plain text) regardless of `encodingType`. */
export interface ListObjectsResult {
  name: string;
  prefix: string;
  marker: string;
  maxKeys: number;
  delimiter?: string;
  isTruncated: boolean;
  nextMarker?: string;
  contents: ObjectEntry[];
  commonPrefixes: string[];
  /** `url` when the request asked for `encoding-type=url`: the XML then carries percent-encoded values. */
  encodingType?: string;
}

/** A parsed or to-be-built V2 `ListBucketResult` (S3 `list-type=2`). */
export interface ListObjectsV2Result {
  name: string;
  prefix: string;
  maxKeys: number;
  keyCount: number;
  delimiter?: string;
  isTruncated: boolean;
  continuationToken?: string;
  nextContinuationToken?: string;
  startAfter?: string;
  contents: ObjectEntry[];
  commonPrefixes: string[];
  encodingType?: string;
}

const identity = (value: string): string => value;

function codec(encodingType: string | undefined): { decode: (v: string) => string; encode: (v: string) => string } {
  return encodingType?.toLowerCase() === 'url' ? { decode: decodeListingValue, encode: encodeListingValue } : { decode: identity, encode: identity };
}

/** Parses an `<Owner>`/`<Initiator>` element; undefined when absent. */
export function parseOwner(node: XmlNode, name: string): Owner | undefined {
  if (node[name] === undefined) return undefined;
  const owner = asNode(node[name]);
  return { id: text(owner, 'ID'), displayName: text(owner, 'DisplayName') };
}

/** The `<Owner>`-shaped build node for an owner. */
export function ownerNode(owner: Owner | undefined): XmlBuildNode | undefined {
  return owner && { ID: owner.id, DisplayName: owner.displayName };
}

function parseEntries(node: XmlNode, decode: (v: string) => string): Pick<ListObjectsResult, 'contents' | 'commonPrefixes'> {
  const contents = children(node, 'Contents').map((value): ObjectEntry => {
    const entry = asNode(value);
    const result: ObjectEntry = {
      key: decode(text(entry, 'Key')),
      lastModified: text(entry, 'LastModified'),
      etag: text(entry, 'ETag'),
      size: int(entry, 'Size'),
      storageClass: text(entry, 'StorageClass') || 'STANDARD',
    };
    const tier = optionalText(entry, 'StorageTier');
    if (tier !== undefined) result.storageTier = tier;
    const owner = parseOwner(entry, 'Owner');
    if (owner) result.owner = owner;
    return result;
  });
  const commonPrefixes = children(node, 'CommonPrefixes').flatMap((value) => children(asNode(value), 'Prefix').map((p) => decode(typeof p === 'string' ? p : '')));
  return { contents, commonPrefixes };
}

function entryNodes(result: Pick<ListObjectsResult, 'contents' | 'commonPrefixes'>, encode: (v: string) => string): XmlBuildNode {
  return {
    CommonPrefixes: result.commonPrefixes.length ? result.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })) : undefined,
    Contents: result.contents.length
      ? result.contents.map((entry) => ({
          Key: encode(entry.key),
          LastModified: entry.lastModified,
          ETag: entry.etag,
          Size: String(entry.size),
          Owner: ownerNode(entry.owner),
          StorageClass: entry.storageClass,
          StorageTier: entry.storageTier,
        }))
      : undefined,
  };
}

/**
 * Parses a V1 `ListBucketResult`. When `<EncodingType>` is `url`, Key, Prefix, Marker, NextMarker, Delimiter and
 * CommonPrefixes are percent-decoded. Throws CosError `MalformedXML` / `XMLSizeLimit`.
 */
export function parseListObjectsResult(input: string | Uint8Array, options?: XmlParseOptions): ListObjectsResult {
  const { node } = readXmlDocument(input, ['ListBucketResult'], options);
  const encodingType = optionalText(node, 'EncodingType') || undefined;
  const { decode } = codec(encodingType);
  const result: ListObjectsResult = {
    name: text(node, 'Name'),
    prefix: decode(text(node, 'Prefix')),
    marker: decode(text(node, 'Marker')),
    maxKeys: int(node, 'MaxKeys', 1000),
    isTruncated: bool(node, 'IsTruncated'),
    ...parseEntries(node, decode),
  };
  const delimiter = optionalText(node, 'Delimiter');
  if (delimiter) result.delimiter = decode(delimiter);
  const nextMarker = optionalText(node, 'NextMarker');
  if (nextMarker) result.nextMarker = decode(nextMarker);
  if (encodingType) result.encodingType = encodingType;
  return result;
}

/** Builds a V1 `ListBucketResult` in the §3.8 element order, percent-encoding values when `encodingType` is `url`. */
export function buildListObjectsResult(result: ListObjectsResult): string {
  const { encode } = codec(result.encodingType);
  return buildXml('ListBucketResult', {
    Name: result.name,
    EncodingType: result.encodingType,
    Prefix: encode(result.prefix),
    Marker: encode(result.marker),
    MaxKeys: String(result.maxKeys),
    Delimiter: result.delimiter === undefined ? undefined : encode(result.delimiter),
    IsTruncated: xmlBool(result.isTruncated),
    NextMarker: result.nextMarker === undefined ? undefined : encode(result.nextMarker),
    ...entryNodes(result, encode),
  });
}

/**
 * Parses a V2 `ListBucketResult` (`list-type=2`). With `EncodingType` `url`, Key, Prefix, Delimiter, StartAfter
 * and CommonPrefixes are decoded (continuation tokens are opaque and never encoded).
 */
export function parseListObjectsV2Result(input: string | Uint8Array, options?: XmlParseOptions): ListObjectsV2Result {
  const { node } = readXmlDocument(input, ['ListBucketResult'], options);
  const encodingType = optionalText(node, 'EncodingType') || undefined;
  const { decode } = codec(encodingType);
  const entries = parseEntries(node, decode);
  const result: ListObjectsV2Result = {
    name: text(node, 'Name'),
    prefix: decode(text(node, 'Prefix')),
    maxKeys: int(node, 'MaxKeys', 1000),
    keyCount: optionalInt(node, 'KeyCount') ?? entries.contents.length + entries.commonPrefixes.length,
    isTruncated: bool(node, 'IsTruncated'),
    ...entries,
  };
  const delimiter = optionalText(node, 'Delimiter');
  if (delimiter) result.delimiter = decode(delimiter);
  const token = optionalText(node, 'ContinuationToken');
  if (token) result.continuationToken = token;
  const next = optionalText(node, 'NextContinuationToken');
  if (next) result.nextContinuationToken = next;
  const startAfter = optionalText(node, 'StartAfter');
  if (startAfter) result.startAfter = decode(startAfter);
  if (encodingType) result.encodingType = encodingType;
  return result;
}

/** Builds a V2 `ListBucketResult` in S3's element order, percent-encoding values when `encodingType` is `url`. */
export function buildListObjectsV2Result(result: ListObjectsV2Result): string {
  const { encode } = codec(result.encodingType);
  return buildXml('ListBucketResult', {
    Name: result.name,
    Prefix: encode(result.prefix),
    Delimiter: result.delimiter === undefined ? undefined : encode(result.delimiter),
    MaxKeys: String(result.maxKeys),
    EncodingType: result.encodingType,
    KeyCount: String(result.keyCount),
    IsTruncated: xmlBool(result.isTruncated),
    ContinuationToken: result.continuationToken,
    NextContinuationToken: result.nextContinuationToken,
    StartAfter: result.startAfter === undefined ? undefined : encode(result.startAfter),
    ...entryNodes(result, encode),
  });
}
