/** startEngine: opens a data directory (index, blobs, keyring, credentials), sweeps orphans and serves the COS API over HTTP or HTTPS. */
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { systemClock, type Clock } from '../common/clock.ts';
import { silentLogger, type Logger } from '../common/logger.ts';
import { DEFAULT_ROTATION_AGE_MS, Keyring } from '../crypto/index.ts';
import { isValidBucketName, isValidRegion } from '../protocol/bucketHost.ts';
import { CosSyncError } from '../common/errors.ts';
import { makePrivateDir } from '../common/privateFiles.ts';
import { checkBindSecurity, urlHost } from '../common/listenAddress.ts';
import { certificateNames, checkTlsPair, loadOrCreateSelfSigned, type TlsIdentity } from '../crypto/index.ts';
import { BlobStore } from './storage/blobStore.ts';
import { DataKeys } from './keys/dataKeys.ts';
import { BucketPolicies } from './api/bucketPolicies.ts';
import type { EngineContext } from './api/engineContext.ts';
import { loadOrCreateCredentials, type EngineCredentials } from './keys/engineCredentials.ts';
import { EngineIndex } from './storage/engineIndex.ts';
import { acquireEngineLock } from './storage/engineLock.ts';
import { LifecycleSweep, type LifecycleResult } from './storage/lifecycleSweep.ts';
import { KeyService, type EngineKeys } from './keys/keyService.ts';
import { createEngineServer, DEFAULT_ENGINE_LIMITS, type EngineLimits } from './engineServer.ts';
import { startKeyMaintenance } from './keyMaintenance.ts';
import { startAdminChannel, type AdminChannel } from './admin/adminServer.ts';
import { CryptoPool } from './content/cryptoPool.ts';

/** Options of {@link startEngine}. */
export interface EngineOptions {
  /** Data directory (created 0700): index.sqlite, blobs/, tmp/, keys/, credentials.json. */
  dataDir: string;
  /** Default 127.0.0.1. A non-loopback address is refused (`InsecureBind`) without TLS unless `insecureHttp`. */
  host?: string;
  /** Serve plain HTTP on a non-loopback address anyway (logged as a warning). */
  insecureHttp?: boolean;
  /**
   * Serve HTTPS: a PEM certificate (chain) and key, or `self-signed` for a certificate made once into DATA/tls for
   * localhost, 127.0.0.1, ::1 and a specific `host` (renewed 30 days before it expires).
   */
  tls?: { cert: string; key: string } | 'self-signed';
  /** Default 9000; 0 picks a free port. */
  port?: number;
  /** Default ap-guangzhou. */
  region?: string;
  /** Host names under which S3 clients address buckets virtual-host style (`<bucket>.<domain>`). Default `['localhost']`. */
  domains?: string[];
  /** The accepted key pair; without it a pair is generated once and kept in DATA/credentials.json (0600). */
  credentials?: EngineCredentials;
  /** Buckets (NAME-APPID or S3 names) created when missing. */
  buckets?: string[];
  clock?: Clock;
  logger?: Logger;
  /** Rotate the SSE-COS master key when its active version is older (checked at start, then timed to the moment it is due). Default 90 days. */
  masterKeyMaxAgeMs?: number;
  /** Run the rewrap sweep in the background after start and after automatic rotation. Default true. */
  backgroundRewrap?: boolean;
  /** Connection limits (open connections, idle time, header time, keep-alive); defaults in {@link DEFAULT_ENGINE_LIMITS}. */
  limits?: Partial<EngineLimits>;
  /** The local admin channel for `cos-sync keys` (DATA/admin.json): default on, over a Unix socket (POSIX) or loopback TCP; false turns it off. */
  adminChannel?: false | 'socket' | 'tcp';
  /**
   * Length of a lifecycle "day" in ms (default 86,400,000). Lifecycle rules count their days in it, and the sweep
   * runs at start and every 1/24 of it (at least every second, at most hourly). Shorter days are for trying rules out.
   */
  lifecycleDayMs?: number;
  /**
   * Worker threads that hash, encrypt and decrypt bodies of 1 MiB and more (default 2 on a machine with two cores or
   * more, else 0); 0 keeps that work on the main thread.
   */
  cryptoWorkers?: number;
  /**
   * Whole objects declared at most this many bytes are kept in the index instead of a blob file: one durable commit
   * instead of a file, its datasync and a directory fsync (default 32 KiB; 0 keeps every object in a file).
   */
  inlineMax?: number;
  /** Run the lifecycle sweep on that schedule. Default true (tests turn it off and call `lifecycle.run()`). */
  backgroundLifecycle?: boolean;
}

/** A running engine. */
export interface EngineHandle {
  /** `http://HOST:PORT`, or `https://HOST:PORT` with TLS. */
  endpoint: string;
  /** With TLS: the certificate's SHA-256 fingerprint, and the file clients trust (`--ca-file`) when the engine made it. */
  tls: { fingerprint: string; certFile?: string; created: boolean } | undefined;
  host: string;
  port: number;
  region: string;
  credentials: EngineCredentials;
  /** Where generated credentials are stored; undefined when they were passed in. */
  credentialsFile: string | undefined;
  /** True when this start generated the credentials. */
  credentialsCreated: boolean;
  dataDir: string;
  /** Master key status, rotation, rewrap and retire for the running engine. */
  keys: EngineKeys;
  /** The lifecycle sweep: `run()` applies every bucket's lifecycle rules now (it also runs on its own schedule). */
  lifecycle: { run(): Promise<LifecycleResult> };
  /** The crypto worker threads (none when the engine runs without them); for diagnostics and fault-injection tests. */
  cryptoWorkers(): readonly Worker[];
  /** Current objects and their bytes, and the noncurrent versions kept (and their bytes). */
  stats(): { objects: number; bytes: number; noncurrentVersions: number; noncurrentBytes: number };
  /** Stops accepting connections, lets in-flight requests finish, stops background work and closes the index. */
  close(): Promise<void>;
}

/** Starts the engine; resolves once it listens. Throws `EngineAlreadyRunning` when another engine owns `dataDir`. */
export async function startEngine(options: EngineOptions): Promise<EngineHandle> {
  const dataDir = path.resolve(options.dataDir);
  const region = options.region ?? 'ap-guangzhou';
  if (!isValidRegion(region)) throw new CosSyncError('InvalidArgument', `The region '${region}' is not valid.`);
  for (const bucket of options.buckets ?? []) if (!isValidBucketName(bucket)) throw new CosSyncError('InvalidArgument', `The bucket name '${bucket}' is neither NAME-APPID nor an S3 bucket name.`);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const warning = checkBindSecurity({ host: options.host ?? '127.0.0.1', tls: options.tls !== undefined, insecureHttp: options.insecureHttp });
  if (warning) logger.log('warn', warning);
  makePrivateDir(dataDir);
  const releaseLock = await acquireEngineLock(dataDir);
  let index: EngineIndex | undefined;
  let crypto: CryptoPool | undefined;
  try {
    const stored = options.credentials ? undefined : await loadOrCreateCredentials(dataDir);
    const credentials = options.credentials ?? stored!.credentials;
    const keyring = await Keyring.open(path.join(dataDir, 'keys'), { clock });
    index = new EngineIndex(path.join(dataDir, 'index.sqlite'));
    const openIndex = index;
    const blobs = new BlobStore(dataDir);
    await blobs.init();
    const swept = await blobs.sweep((id) => openIndex.hasBlob(id));
    if (swept > 0) logger.log('info', 'removed orphaned blob files', { count: swept });
    for (const bucket of options.buckets ?? []) index.createBucket(bucket, clock.now(), 'private');
    const maxAge = options.masterKeyMaxAgeMs ?? DEFAULT_ROTATION_AGE_MS;
    const rotated = await keyring.rotateIfOlderThan(maxAge);
    if (rotated) logger.log('info', 'master key rotated by age', { version: rotated.version });
    const dataKeys = new DataKeys(keyring);
    const keys = new KeyService(index, keyring, { inFlight: (keyId, version) => dataKeys.inFlight(keyId, version), logger });
    crypto = CryptoPool.start({ logger, ...(options.cryptoWorkers !== undefined ? { size: options.cryptoWorkers } : {}) });
    const ctx: EngineContext = {
      index, blobs, keys: dataKeys, ...(crypto ? { crypto } : {}), ...(options.inlineMax !== undefined ? { inlineMax: options.inlineMax } : {}), region, domains: options.domains ?? ['localhost'], clock, logger, policies: new BucketPolicies(index),
      lookupSecret: (secretId) => (secretId === credentials.secretId ? credentials.secretKey : undefined),
    };
    const tls = options.tls === 'self-signed' ? await loadOrCreateSelfSigned(dataDir, certificateNames(options.host ?? '127.0.0.1', region))
      : options.tls ? { ...options.tls, fingerprint: checkTlsPair(options.tls.cert, options.tls.key), created: false } : undefined;
    const lifecycle = new LifecycleSweep(index, blobs, clock, { dayMs: options.lifecycleDayMs, logger });
    return await serve(options, { ctx, keys, credentials, stored, dataDir, releaseLock, maxAge, keyring, tls, lifecycle });
  } catch (error) {
    await crypto?.close();
    index?.close();
    await releaseLock();
    throw error;
  }
}

interface Prepared {
  tls: TlsIdentity | undefined;
  ctx: EngineContext;
  keys: KeyService;
  keyring: Keyring;
  credentials: EngineCredentials;
  stored: { file: string; created: boolean } | undefined;
  dataDir: string;
  releaseLock: () => Promise<void>;
  maxAge: number;
  lifecycle: LifecycleSweep;
}

async function serve(options: EngineOptions, prepared: Prepared): Promise<EngineHandle> {
  const { ctx, keys, keyring, lifecycle } = prepared;
  const host = options.host ?? '127.0.0.1';
  const { server, closing } = createEngineServer(ctx, { ...DEFAULT_ENGINE_LIMITS, ...options.limits }, prepared.tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 9000);
  const maintenance = startKeyMaintenance({ keys, keyring, maxAgeMs: prepared.maxAge, rewrap: options.backgroundRewrap !== false, clock: ctx.clock, logger: ctx.logger });
  let admin: AdminChannel | undefined;
  if (options.adminChannel !== false) {
    try {
      admin = await startAdminChannel({ dataDir: prepared.dataDir, keys, logger: ctx.logger, ...(options.adminChannel ? { transport: options.adminChannel } : {}) });
    } catch (error) {
      await maintenance.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }
  if (options.backgroundLifecycle !== false) lifecycle.schedule(Math.min(3_600_000, Math.max(1000, (options.lifecycleDayMs ?? 86_400_000) / 24)));
  let closed: Promise<void> | undefined;
  return {
    endpoint: `${prepared.tls ? 'https' : 'http'}://${urlHost(host)}:${port}`,
    tls: prepared.tls && { fingerprint: prepared.tls.fingerprint, created: prepared.tls.created, ...(prepared.tls.certFile ? { certFile: prepared.tls.certFile } : {}) },
    host,
    port,
    region: ctx.region,
    credentials: prepared.credentials,
    credentialsFile: prepared.stored?.file,
    credentialsCreated: prepared.stored?.created ?? false,
    dataDir: prepared.dataDir,
    keys,
    lifecycle: { run: () => lifecycle.run() },
    cryptoWorkers: () => ctx.crypto?.workers ?? [],
    stats: () => ctx.index.stats(),
    close() {
      closed ??= (async () => {
        closing();
        await admin?.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        await stopped;
        clearTimeout(force);
        await maintenance.close();
        await lifecycle.close();
        await ctx.crypto?.close();
        ctx.index.close();
        await prepared.releaseLock();
      })();
      return closed;
    },
  };
}
