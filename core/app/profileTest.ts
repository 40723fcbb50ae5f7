/** Live check of a connection profile: HEAD Bucket, then the bucket's default encryption, as a readable result. */
import { performance } from 'node:perf_hooks';
import { CosSyncError, describeError } from '../common/errors.ts';
import { CosClient } from '../cos/cosClient.ts';
import type { EngineHandle } from '../engine/startEngine.ts';
import type { ProfileInput, ProfileTestResult } from './contract.ts';
import { trustedCertificates } from './trustedCertificates.ts';
import { secretKeyName, type SecretStore } from './settings.ts';
import { bucketHostname, isValidRegion } from '../protocol/bucketHost.ts';
import { capabilitiesOfKind, endpointCapabilities } from '../protocol/endpointCapabilities.ts';

/** Tests `profile` (saved or not) with one HEAD Bucket; never throws for a failed check. */
export async function testProfileLive(profile: ProfileInput, context: { secrets: SecretStore; engine: EngineHandle | undefined; defaultCaFile?: string }): Promise<ProfileTestResult> {
  const fail = (code: string, message: string, hint: string | undefined, endpoint: string | null, status: number | null = null): ProfileTestResult => ({
    ok: false,
    code,
    message,
    ...(hint ? { hint } : {}),
    endpoint,
    status,
  });
  // The bundled engine takes S3 names too; real COS (no endpoint, or a COS host) needs NAME-APPID.
  const capabilities = profile.kind === 'engine' ? capabilitiesOfKind.compatible : endpointCapabilities(profile.endpoint);
  if (!capabilities.isBucketName(profile.bucket)) return fail('InvalidBucketName', `"${profile.bucket}" is not a bucket name.`, capabilities.bucketNameHint, null);
  let client: CosClient;
  let endpoint: string;
  if (profile.kind === 'engine') {
    if (!context.engine) return fail('EngineNotRunning', 'The bundled engine is not running.', 'Restart COS Sync.', null);
    endpoint = context.engine.endpoint;
    client = new CosClient({ credentials: context.engine.credentials, region: context.engine.region, endpoint, retries: { attempts: 1 } });
  } else {
    if (!isValidRegion(profile.region)) return fail('InvalidRegionName', `"${profile.region}" is not a COS region.`, 'Regions look like ap-guangzhou or ap-beijing.', null);
    const secretKey = profile.secretKey ?? (profile.id ? await context.secrets.get(secretKeyName(profile.id)) : undefined);
    if (!secretKey) return fail('MissingSecretKey', 'Enter the SecretKey to test this account.', undefined, null);
    endpoint = profile.endpoint ?? `https://${bucketHostname(profile.bucket, profile.region)}`;
    let ca: string | undefined;
    try {
      ca = trustedCertificates(profile.caFile, context.defaultCaFile);
    } catch (error) {
      return fail((error as CosSyncError).code, (error as CosSyncError).message, (error as CosSyncError).hint, endpoint);
    }
    client = new CosClient({
      ...(ca ? { ca } : {}),
      credentials: { secretId: profile.secretId, secretKey },
      region: profile.region,
      ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
      retries: { attempts: 1 },
      timeouts: { connect: 5000, headers: 10_000, bodyIdle: 10_000 },
    });
  }
  const started = performance.now();
  try {
    await client.headBucket(profile.bucket, AbortSignal.timeout(15_000)).catch(async (error: unknown) => {
      // HEAD errors carry no body, so the code is only a guess from the status; a one-key listing tells exactly why.
      if ((error as { status?: number }).status === undefined) throw error;
      await client.listObjects(profile.bucket, { maxKeys: 1, signal: AbortSignal.timeout(15_000) });
      throw error;
    });
    const latencyMs = Math.round(performance.now() - started);
    const rule = await client.getBucketEncryption(profile.bucket, AbortSignal.timeout(15_000)).catch(() => undefined);
    const algorithm = rule?.sseAlgorithm === 'AES256' ? 'AES256' : rule?.sseAlgorithm === 'cos/kms' || rule?.sseAlgorithm === 'aws:kms' ? 'cos/kms' : 'none';
    return { ok: true, endpoint, latencyMs, bucketEncryption: algorithm };
  } catch (error) {
    const source = error as { code?: string; status?: number; hint?: string };
    const hint = source.hint ?? (error instanceof CosSyncError && error.retry === 'offline' ? 'Check the network connection and the endpoint address.' : undefined);
    return fail(source.code ?? 'ConnectionFailed', describeError(error).replace(hint ?? '\u0000', '').trim(), hint, endpoint, source.status ?? null);
  } finally {
    await client.close();
  }
}
