/** Command-line options shared by commands that talk to a bucket: bucket, region, endpoint, credentials, SSE. */
import { describeError, type CosSyncError } from '../common/errors.ts';
import { isValidRegion } from '../protocol/bucketHost.ts';
import { endpointCapabilities } from '../protocol/endpointCapabilities.ts';
import type { SseRequest } from '../protocol/serverSideEncryption.ts';
import { UsageError } from './arguments.ts';
import { readCaFile } from './tlsOptions.ts';

/** parseArgs specs of the shared options. */
export const connectionOptionSpec = {
  bucket: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'ca-file': { type: 'string' },
  'path-style': { type: 'boolean' },
  prefix: { type: 'string' },
  sse: { type: 'string' },
  'kms-key-id': { type: 'string' },
  'secret-id': { type: 'string' },
  'secret-key': { type: 'string' },
} as const;

/** Help lines of the shared options. */
export const connectionOptionHelp = `  --bucket NAME-APPID     target bucket, e.g. photos-1250000000 (required; with --endpoint also an S3 name)
  --region REGION         bucket region, e.g. ap-guangzhou (required)
  --endpoint URL          send requests here (e.g. the bundled engine http://127.0.0.1:9000); default real COS
  --ca-file FILE          trust these PEM certificates for an https --endpoint (e.g. the engine's DATA/tls/cert.pem)
  --path-style            use path-style requests (/<bucket>/<key>) against --endpoint
  --prefix P              put keys under this prefix (keys are P + path relative to the folder, with /)
  --sse MODE              AES256 (SSE-COS, default), kms (SSE-KMS) or none
  --kms-key-id ID         KMS key for --sse kms (default: the COS-managed key)
  --secret-id ID          SecretId (default: COS_SECRET_ID)
  --secret-key KEY        SecretKey (default: COS_SECRET_KEY; prefer the variable: arguments are visible to other users)`;

/** Help lines of the shared options for commands that only read (no --sse, --prefix filters). */
export const readConnectionHelp = connectionOptionHelp
  .split('\n')
  .filter((line) => !/^  --(sse|kms-key-id) /.test(line))
  .map((line) => line.replace(/^  --prefix P .*$/, '  --prefix P              only objects whose keys start with P'))
  .join('\n');

/** The parsed shared options. */
export interface Connection {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  /** PEM certificates of `--ca-file`. */
  ca: string | undefined;
  pathStyle: boolean;
  prefix: string;
  sse: SseRequest;
  credentials: { secretId: string; secretKey: string };
}

/** Reads `--sse` and `--kms-key-id`. */
export function parseSse(value: string | undefined, kmsKeyId: string | undefined): SseRequest {
  const mode = (value ?? 'AES256').toLowerCase();
  if (kmsKeyId !== undefined && mode !== 'kms') throw new UsageError('--kms-key-id only applies with --sse kms.');
  if (mode === 'aes256' || mode === 'sse-cos') return { mode: 'AES256' };
  if (mode === 'kms' || mode === 'sse-kms') return kmsKeyId ? { mode: 'kms', keyId: kmsKeyId } : { mode: 'kms' };
  if (mode === 'none') return { mode: 'none' };
  throw new UsageError(`--sse must be AES256, kms or none (got '${value}').`);
}

/** Validates the shared options; credentials fall back to COS_SECRET_ID / COS_SECRET_KEY. */
export function parseConnection(values: Record<string, unknown>, environment: NodeJS.ProcessEnv = process.env): Connection {
  const bucket = values.bucket as string | undefined;
  const region = values.region as string | undefined;
  if (!bucket) throw new UsageError('Missing --bucket NAME-APPID (e.g. --bucket photos-1250000000).');
  if (!region) throw new UsageError('Missing --region REGION (e.g. --region ap-guangzhou).');
  if (!isValidRegion(region)) throw new UsageError(`The region '${region}' is not valid: use a COS region such as ap-guangzhou.`);
  const secretId = (values['secret-id'] as string | undefined) ?? environment.COS_SECRET_ID;
  const secretKey = (values['secret-key'] as string | undefined) ?? environment.COS_SECRET_KEY;
  if (!secretId || !secretKey) throw new UsageError('Missing credentials: set COS_SECRET_ID and COS_SECRET_KEY (or pass --secret-id and --secret-key).');
  const endpoint = values.endpoint as string | undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) throw new UsageError(`--endpoint must be an http:// or https:// URL (got '${endpoint}').`);
  if (values['path-style'] && !endpoint) throw new UsageError('--path-style needs --endpoint.');
  const names = endpointCapabilities(endpoint);
  if (!names.isBucketName(bucket)) throw new UsageError(`The bucket name '${bucket}' is not valid${names.kind === 'cos' ? ' on COS' : ''}. ${names.bucketNameHint}`);
  return {
    bucket,
    region,
    endpoint,
    ca: readCaFile(values['ca-file'] as string | undefined),
    pathStyle: Boolean(values['path-style']),
    prefix: ((values.prefix as string | undefined) ?? '').replace(/^\/+/, ''),
    sse: parseSse(values.sse as string | undefined, values['kms-key-id'] as string | undefined),
    credentials: { secretId, secretKey },
  };
}

/**
 * Reads an SSE-C key: `--sse-c-key` or COS_SSE_C_KEY, base64 of exactly 32 bytes. Undefined when neither is given.
 */
export function parseCustomerKeyOption(value: string | undefined, environment: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const text = value ?? environment.COS_SSE_C_KEY;
  if (text === undefined || text === '') return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text.trim()) throw new UsageError('--sse-c-key (or COS_SSE_C_KEY) must be the base64 of exactly 32 bytes.');
  return key;
}

/** A sentence with a fix hint for a failure, naming the CLI's own options and variables. */
export function failureText(error: unknown, bucket: string, region: string): string {
  const code = (error as CosSyncError).code;
  const byCode: Record<string, string> = {
    SignatureDoesNotMatch: 'The signature was rejected: check the SecretKey (COS_SECRET_KEY or --secret-key).',
    InvalidAccessKeyId: 'The SecretId is not known: check the SecretId (COS_SECRET_ID or --secret-id).',
    AccessDenied: `Access was denied: check that the key pair may write to bucket ${bucket} and that the system clock is right.`,
    ExpiredToken: 'The temporary credentials have expired: get a new key pair.',
    NoSuchBucket: `The bucket ${bucket} does not exist in ${region}: check --bucket and --region.`,
  };
  return byCode[code] ?? describeError(error);
}

/** Human size: `512 B`, `1.2 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
