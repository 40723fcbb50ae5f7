/** Public entry of core/cos: the client, its option and result types, the high-level upload, and the encryption-refusal check. */
export { CosClient, type CosClientOptions } from './cosClient.ts';
export type { CredentialsProvider, TransportOptions } from './transport.ts';
export type { ObjectInfo } from './objectInfo.ts';
export type { PutBody, PutObjectOptions, PutObjectResult, WriteOptions } from './putObject.ts';
export type { CopyObjectOptions, CopyObjectResult, CopySource } from './copyObject.ts';
export type { GetObjectOptions, GetObjectResult, ReadOptions } from './getObject.ts';
export type { ListObjectsOptions, ListObjectsPage } from './listing.ts';
export type { DeleteObjectsResult } from './deleteObjects.ts';
export type { PartSource, UploadedPart, UploadPartOptions } from './multipart.ts';
export { choosePartSize, type UploadFileOptions, type UploadFileResult, type UploadResume } from './uploadFile.ts';
export { ENCRYPTION_REFUSAL_CODES, isEncryptionRefusal, type WriteTarget } from './encryptionRefusal.ts';
