/** Row types of the engine index (buckets, object versions, uploads, segments) and their conversion from SQL rows. */
import type { ObjectTag } from '../../protocol/xml.ts';

/** How an object or upload is encrypted at rest. */
export type SseMode = 'none' | 'AES256' | 'cos/kms' | 'SSE-C';

/** Encryption settings of an object or upload (plain metadata; never the SSE-C key). */
export interface SseRecord {
  sse: SseMode;
  kmsKeyId: string | null;
  kmsContext: string | null;
  customerMd5: string | null;
  customerSalt: string | null;
  customerFingerprint: string | null;
}

/** Content headers and user metadata stored with an object or upload. */
export interface ContentRecord {
  contentType: string;
  /** Stored standard headers (cache-control, content-disposition, …), lowercase names. */
  headers: Record<string, string>;
  /** User metadata: lowercase `x-cos-meta-*` names. */
  meta: Record<string, string>;
}

/** One object tag (the protocol's type: key and value). */
export type { ObjectTag };

/** Versioning state of a bucket: null until versioning was first configured (then never null again). */
export type VersioningState = 'Enabled' | 'Suspended' | null;

/** A bucket row. */
export interface BucketRow {
  name: string;
  created: number;
  acl: string;
  /** JSON `{algorithm, kmsKeyId?}` of the default encryption, or null. */
  encryption: string | null;
  versioning: VersioningState;
  /** JSON of the parsed lifecycle rules (protocol LifecycleRule[]), or null. */
  lifecycle: string | null;
}

/** The literal version id of versions written while a bucket was unversioned or suspended. */
export const NULL_VERSION = 'null';

/**
 * One version of an object: data, or a delete marker (size 0, no segments, no content). `noncurrentSince` is null
 * for the key's current version and the time it was superseded for the others.
 */
export interface ObjectRow extends SseRecord, ContentRecord {
  bucket: string;
  key: string;
  objectId: string;
  /** Position among the key's versions (larger = newer). */
  seq: number;
  /** `null` ({@link NULL_VERSION}) or a generated id. */
  versionId: string;
  deleteMarker: boolean;
  noncurrentSince: number | null;
  size: number;
  etag: string;
  crc64: string;
  modified: number;
  /** Sorted by key. */
  tags: ObjectTag[];
}

/** What a write commits: a data version before the index chose its version id and position. */
export type NewObject = Omit<ObjectRow, 'seq' | 'versionId' | 'deleteMarker' | 'noncurrentSince'>;

/** A multipart upload row. */
export interface UploadRow extends SseRecord, ContentRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  /** Tags the completed object gets (`x-cos-tagging` on Initiate). */
  tags: ObjectTag[];
}

/** One blob: a whole single-PUT object, or one multipart part (pending or completed). */
export interface SegmentRow {
  blobId: string;
  objectId: string | null;
  uploadId: string | null;
  partNumber: number;
  seq: number;
  bucket: string;
  key: string;
  size: number;
  md5: string;
  crc64: string;
  modified: number;
  /** Sealed data key text (`v1.…` master/KMS, `c1.…` SSE-C), null for plain blobs. */
  sealedKey: string | null;
  sealKeyId: string | null;
  sealVersion: number | null;
  /** The stored bytes when the segment lives in the index instead of a blob file (small objects; read with the segments of an object). */
  inline?: Buffer;
}

/** A row as node:sqlite returns it. */
export type Row = Record<string, unknown>;

const json = (value: unknown): Record<string, string> => (typeof value === 'string' && value !== '' ? (JSON.parse(value) as Record<string, string>) : {});

/** Tags from their stored JSON (`[[key, value], …]`), [] for NULL. */
export function tagsOf(value: unknown): ObjectTag[] {
  if (typeof value !== 'string' || value === '') return [];
  return (JSON.parse(value) as [string, string][]).map(([key, tagValue]) => ({ key, value: tagValue }));
}

/** The stored JSON of a tag set (NULL when empty); pairs keep their order, so numeric keys stay where they were. */
export function tagsColumn(tags: readonly ObjectTag[]): string | null {
  return tags.length === 0 ? null : JSON.stringify(tags.map((tag) => [tag.key, tag.value]));
}

function sseOf(row: Row): SseRecord {
  return {
    sse: row.sse as SseMode,
    kmsKeyId: (row.kms_key_id as string | null) ?? null,
    kmsContext: (row.kms_context as string | null) ?? null,
    customerMd5: (row.customer_md5 as string | null) ?? null,
    customerSalt: (row.customer_salt as string | null) ?? null,
    customerFingerprint: (row.customer_fingerprint as string | null) ?? null,
  };
}

/** Converts a bucket row from SQL. */
export function bucketOf(row: Row): BucketRow {
  return {
    name: row.name as string, created: Number(row.created), acl: row.acl as string, encryption: (row.encryption as string | null) ?? null,
    versioning: (row.versioning as VersioningState | undefined) ?? null, lifecycle: (row.lifecycle as string | null) ?? null,
  };
}

/** Converts an object version row from SQL. */
export function objectOf(row: Row): ObjectRow {
  return {
    bucket: row.bucket as string, key: row.key as string, objectId: row.object_id as string, seq: Number(row.seq), versionId: row.version_id as string,
    deleteMarker: Number(row.delete_marker) === 1, noncurrentSince: row.noncurrent_since === null ? null : Number(row.noncurrent_since),
    size: Number(row.size), etag: row.etag as string, crc64: row.crc64 as string, modified: Number(row.modified), contentType: row.content_type as string,
    headers: json(row.headers), meta: json(row.meta), tags: tagsOf(row.tags), ...sseOf(row),
  };
}

/** Converts an upload row from SQL. */
export function uploadOf(row: Row): UploadRow {
  return {
    uploadId: row.upload_id as string, bucket: row.bucket as string, key: row.key as string, initiated: Number(row.initiated),
    contentType: row.content_type as string, headers: json(row.headers), meta: json(row.meta), tags: tagsOf(row.tags), ...sseOf(row),
  };
}

/** Converts a segment row from SQL. */
export function segmentOf(row: Row): SegmentRow {
  return {
    blobId: row.blob_id as string, objectId: (row.object_id as string | null) ?? null, uploadId: (row.upload_id as string | null) ?? null,
    partNumber: Number(row.part_number), seq: Number(row.seq), bucket: row.bucket as string, key: row.key as string, size: Number(row.size),
    md5: row.md5 as string, crc64: row.crc64 as string, modified: Number(row.modified), sealedKey: (row.sealed_key as string | null) ?? null,
    sealKeyId: (row.seal_key_id as string | null) ?? null, sealVersion: row.seal_version === null || row.seal_version === undefined ? null : Number(row.seal_version),
    ...(row.inline_data instanceof Uint8Array ? { inline: Buffer.from(row.inline_data.buffer, row.inline_data.byteOffset, row.inline_data.byteLength) } : {}),
  };
}
