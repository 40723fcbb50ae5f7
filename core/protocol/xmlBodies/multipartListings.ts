/** Multipart listing bodies: `ListPartsResult` (List Parts) and `ListMultipartUploadsResult` (List Multipart Uploads). */
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, bool, buildXml, children, int, optionalInt, optionalText, text, textOf, xmlBool, type XmlNode, type XmlParseOptions } from '../xmlCodec.ts';
import { ownerNode, parseOwner, type Owner } from './listObjects.ts';
import { decodeListingValue, encodeListingValue } from './urlEncoding.ts';

/** One uploaded part. `etag` is quoted hex MD5 as COS sends it. */
export interface PartEntry {
  partNumber: number;
  lastModified: string;
  etag: string;
  size: number;
}

/** A parsed or to-be-built `ListPartsResult`. */
export interface ListPartsResult {
  bucket: string;
  key: string;
  uploadId: string;
  encodingType?: string;
  owner?: Owner;
  initiator?: Owner;
  partNumberMarker: number;
  nextPartNumberMarker?: number;
  storageClass: string;
  maxParts: number;
  isTruncated: boolean;
  parts: PartEntry[];
}

/** One in-progress upload. */
export interface UploadEntry {
  key: string;
  uploadId: string;
  storageClass: string;
  initiator?: Owner;
  owner?: Owner;
  initiated: string;
}

/** A parsed or to-be-built `ListMultipartUploadsResult`; keys and prefixes are plain text (decoded). */
export interface ListMultipartUploadsResult {
  bucket: string;
  encodingType?: string;
  keyMarker: string;
  uploadIdMarker: string;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
  maxUploads: number;
  prefix: string;
  delimiter?: string;
  isTruncated: boolean;
  uploads: UploadEntry[];
  commonPrefixes: string[];
}

const isUrl = (encodingType: string | undefined): boolean => encodingType?.toLowerCase() === 'url';

function setOwners(target: { owner?: Owner; initiator?: Owner }, node: XmlNode): void {
  const owner = parseOwner(node, 'Owner');
  if (owner) target.owner = owner;
  const initiator = parseOwner(node, 'Initiator');
  if (initiator) target.initiator = initiator;
}

/** Parses `ListPartsResult`; the key is decoded when `EncodingType` is `url`. */
export function parseListPartsResult(input: string | Uint8Array, options?: XmlParseOptions): ListPartsResult {
  const { node } = readXmlDocument(input, ['ListPartsResult'], options);
  const encodingType = optionalText(node, 'EncodingType') || undefined;
  const result: ListPartsResult = {
    bucket: text(node, 'Bucket'),
    key: isUrl(encodingType) ? decodeListingValue(text(node, 'Key')) : text(node, 'Key'),
    uploadId: textOf(node, ['UploadId', 'UploadID']) ?? '',
    partNumberMarker: int(node, 'PartNumberMarker'),
    storageClass: text(node, 'StorageClass'),
    maxParts: int(node, 'MaxParts', 1000),
    isTruncated: bool(node, 'IsTruncated'),
    parts: children(node, 'Part').map((value): PartEntry => {
      const part = asNode(value);
      return { partNumber: int(part, 'PartNumber'), lastModified: text(part, 'LastModified'), etag: text(part, 'ETag'), size: int(part, 'Size') };
    }),
  };
  if (encodingType) result.encodingType = encodingType;
  setOwners(result, node);
  const next = optionalInt(node, 'NextPartNumberMarker');
  if (next !== undefined) result.nextPartNumberMarker = next;
  return result;
}

/** Builds the §3.9 `ListPartsResult` (element order as in the doc example). */
export function buildListPartsResult(result: ListPartsResult): string {
  return buildXml('ListPartsResult', {
    Bucket: result.bucket,
    EncodingType: result.encodingType ?? '',
    Key: isUrl(result.encodingType) ? encodeListingValue(result.key) : result.key,
    UploadId: result.uploadId,
    Owner: ownerNode(result.owner),
    Initiator: ownerNode(result.initiator),
    PartNumberMarker: String(result.partNumberMarker),
    Part: result.parts.length
      ? result.parts.map((part) => ({ PartNumber: String(part.partNumber), LastModified: part.lastModified, ETag: part.etag, Size: String(part.size) }))
      : undefined,
    NextPartNumberMarker: result.nextPartNumberMarker === undefined ? undefined : String(result.nextPartNumberMarker),
    StorageClass: result.storageClass,
    MaxParts: String(result.maxParts),
    IsTruncated: xmlBool(result.isTruncated),
  });
}

/**
 * Parses `ListMultipartUploadsResult`, reading each upload's `UploadID` (COS) or `UploadId` (S3) and
 * `Encoding-Type` or `EncodingType`; with `url` encoding, keys, markers, prefix, delimiter and common prefixes are
 * decoded.
 */
export function parseListMultipartUploadsResult(input: string | Uint8Array, options?: XmlParseOptions): ListMultipartUploadsResult {
  const { node } = readXmlDocument(input, ['ListMultipartUploadsResult'], options);
  const encodingType = textOf(node, ['Encoding-Type', 'EncodingType']) || undefined;
  const decode = isUrl(encodingType) ? decodeListingValue : (value: string) => value;
  const result: ListMultipartUploadsResult = {
    bucket: text(node, 'Bucket'),
    keyMarker: decode(text(node, 'KeyMarker')),
    uploadIdMarker: text(node, 'UploadIdMarker'),
    maxUploads: int(node, 'MaxUploads', 1000),
    prefix: decode(text(node, 'Prefix')),
    isTruncated: bool(node, 'IsTruncated'),
    uploads: children(node, 'Upload').map((value): UploadEntry => {
      const upload = asNode(value);
      const entry: UploadEntry = {
        key: decode(text(upload, 'Key')),
        uploadId: textOf(upload, ['UploadID', 'UploadId']) ?? '',
        storageClass: text(upload, 'StorageClass'),
        initiated: text(upload, 'Initiated'),
      };
      setOwners(entry, upload);
      return entry;
    }),
    commonPrefixes: children(node, 'CommonPrefixes').flatMap((value) => children(asNode(value), 'Prefix').map((p) => decode(typeof p === 'string' ? p : ''))),
  };
  if (encodingType) result.encodingType = encodingType;
  const nextKeyMarker = optionalText(node, 'NextKeyMarker');
  if (nextKeyMarker) result.nextKeyMarker = decode(nextKeyMarker);
  const nextUploadIdMarker = optionalText(node, 'NextUploadIdMarker');
  if (nextUploadIdMarker) result.nextUploadIdMarker = nextUploadIdMarker;
  const delimiter = optionalText(node, 'Delimiter');
  if (delimiter) result.delimiter = decode(delimiter);
  return result;
}

/** Builds the §3.9 `ListMultipartUploadsResult` with COS's `Encoding-Type` and `UploadID` element names. */
export function buildListMultipartUploadsResult(result: ListMultipartUploadsResult): string {
  const encode = isUrl(result.encodingType) ? encodeListingValue : (value: string) => value;
  return buildXml('ListMultipartUploadsResult', {
    Bucket: result.bucket,
    'Encoding-Type': result.encodingType ?? '',
    KeyMarker: encode(result.keyMarker),
    UploadIdMarker: result.uploadIdMarker,
    NextKeyMarker: result.nextKeyMarker === undefined ? undefined : encode(result.nextKeyMarker),
    NextUploadIdMarker: result.nextUploadIdMarker,
    MaxUploads: String(result.maxUploads),
    Prefix: encode(result.prefix),
    Delimiter: result.delimiter === undefined ? undefined : encode(result.delimiter),
    IsTruncated: xmlBool(result.isTruncated),
    Upload: result.uploads.length
      ? result.uploads.map((upload) => ({
          Key: encode(upload.key),
          UploadID: upload.uploadId,
          StorageClass: upload.storageClass,
          Initiator: ownerNode(upload.initiator),
          Owner: ownerNode(upload.owner),
          Initiated: upload.initiated,
        }))
      : undefined,
    CommonPrefixes: result.commonPrefixes.length ? result.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })) : undefined,
  });
}
