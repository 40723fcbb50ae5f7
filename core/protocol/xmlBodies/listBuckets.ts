/** GET Service (List Buckets) body: `ListAllMyBucketsResult`. */
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, bool, buildXml, children, optionalInt, optionalText, text, xmlBool, type XmlParseOptions } from '../xmlCodec.ts';
import { ownerNode, parseOwner, type Owner } from './listObjects.ts';

/** One `<Bucket>` of a bucket listing. */
export interface BucketEntry {
  name: string;
  /** The region, e.g. `ap-guangzhou`. */
  location: string;
  creationDate: string;
  /** `cos` for ordinary buckets, when sent. */
  bucketType?: string;
}

/** A parsed or to-be-built `ListAllMyBucketsResult`; paging fields appear only on paged requests. */
export interface ListBucketsResult {
  owner?: Owner;
  buckets: BucketEntry[];
  marker?: string;
  nextMarker?: string;
  maxKeys?: number;
  isTruncated?: boolean;
}

/** Parses `ListAllMyBucketsResult`. Throws CosError `MalformedXML` / `XMLSizeLimit`. */
export function parseListBucketsResult(input: string | Uint8Array, options?: XmlParseOptions): ListBucketsResult {
  const { node } = readXmlDocument(input, ['ListAllMyBucketsResult'], options);
  const buckets = children(asNode(node.Buckets), 'Bucket').map((value): BucketEntry => {
    const bucket = asNode(value);
    const entry: BucketEntry = { name: text(bucket, 'Name'), location: text(bucket, 'Location'), creationDate: text(bucket, 'CreationDate') };
    const type = optionalText(bucket, 'BucketType');
    if (type !== undefined) entry.bucketType = type;
    return entry;
  });
  const result: ListBucketsResult = { buckets };
  const owner = parseOwner(node, 'Owner');
  if (owner) result.owner = owner;
  const marker = optionalText(node, 'Marker');
  if (marker) result.marker = marker;
  const nextMarker = optionalText(node, 'NextMarker');
  if (nextMarker) result.nextMarker = nextMarker;
  const maxKeys = optionalInt(node, 'MaxKeys');
  if (maxKeys !== undefined) result.maxKeys = maxKeys;
  if (optionalText(node, 'IsTruncated') !== undefined) result.isTruncated = bool(node, 'IsTruncated');
  return result;
}

/** Builds `<ListAllMyBucketsResult><Owner>…</Owner><Buckets><Bucket>…</Bucket>…</Buckets></ListAllMyBucketsResult>`. */
export function buildListBucketsResult(result: ListBucketsResult): string {
  return buildXml('ListAllMyBucketsResult', {
    Owner: ownerNode(result.owner),
    Marker: result.marker,
    NextMarker: result.nextMarker,
    MaxKeys: result.maxKeys === undefined ? undefined : String(result.maxKeys),
    IsTruncated: result.isTruncated === undefined ? undefined : xmlBool(result.isTruncated),
    Buckets: result.buckets.length
      ? {
          Bucket: result.buckets.map((bucket) => ({
            Name: bucket.name,
            Location: bucket.location,
            CreationDate: bucket.creationDate,
            BucketType: bucket.bucketType,
          })),
        }
      : '',
  });
}
