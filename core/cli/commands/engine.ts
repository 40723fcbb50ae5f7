/** `cos-sync engine`: runs the bundled local COS engine until SIGINT/SIGTERM. */
import { createLogger } from '../../common/logger.ts';
import { describeError } from '../../common/errors.ts';
import { startEngine } from '../../engine/startEngine.ts';
import { bindSecurityOption, hostOption, integerOption, parseCommandLine, portOption, UsageError } from '../arguments.ts';
import { parseServeTls, serveTlsOptionHelp, serveTlsOptionSpec } from '../tlsOptions.ts';

const usage = `Usage: cos-sync engine --data DIR [--host 127.0.0.1] [--port 9000] [--region ap-guangzhou]
                       [--secret-id ID --secret-key KEY] [--bucket NAME]... [--insecure-http]
                       [--rotate-every DAYS] [--max-connections 1024] [--idle-timeout 60] [--lifecycle-day SECONDS]
                       [--tls | --tls-cert FILE --tls-key FILE]

Runs the local COS-compatible server with SSE-COS at rest. Without --secret-id/--secret-key a key pair is
generated on first start and kept in DIR/credentials.json. Bucket names: NAME-APPID or any S3 name. --port 0 picks a free port. A --host other than
loopback (127.0.0.1, ::1, localhost) needs TLS; --insecure-http serves plain HTTP there anyway, with a warning.
--rotate-every DAYS rotates the SSE-COS master key once the active version is that old (default 90; fractions
allowed) and re-seals older data keys in the background. \`cos-sync keys … --data DIR\` works while it runs.
With TLS, clients verify the engine: give them the certificate as their CA (cos-sync --ca-file DIR/tls/cert.pem,
rclone --ca-cert, aws --ca-bundle, Node's NODE_EXTRA_CA_CERTS for the COS SDK).
When ready it prints one line to stdout (the real port when --port 0):
  COS engine listening on http://HOST:PORT   (https:// with TLS)
--lifecycle-day sets how long a "day" of bucket lifecycle rules is (default 86400 seconds); a short day lets
you watch a rule such as "delete noncurrent versions after 30 days" act within minutes.

${serveTlsOptionHelp(18, 'DIR')}`;

/** Runs the command; resolves with the exit code after a signal closed the engine. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, {
    data: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, region: { type: 'string' }, 'insecure-http': { type: 'boolean' }, 'rotate-every': { type: 'string' },
    'max-connections': { type: 'string' }, 'idle-timeout': { type: 'string' }, ...serveTlsOptionSpec,
    'secret-id': { type: 'string' }, 'secret-key': { type: 'string' }, bucket: { type: 'string', multiple: true }, 'lifecycle-day': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (typeof values.data !== 'string' || values.data === '') throw new UsageError('--data DIR is required.');
  const secretId = values['secret-id'] as string | undefined;
  const secretKey = values['secret-key'] as string | undefined;
  if ((secretId === undefined) !== (secretKey === undefined)) throw new UsageError('--secret-id and --secret-key go together.');
  const port = portOption(values.port, 'port', 9000);
  const host = hostOption(values.host, 'host', '127.0.0.1');
  const insecureHttp = values['insecure-http'] === true;
  const rotateEvery = values['rotate-every'] === undefined ? undefined : Number(values['rotate-every']);
  if (rotateEvery !== undefined && !(rotateEvery > 0 && rotateEvery <= 36_500)) throw new UsageError(`--rotate-every must be a number of days above 0 (got '${String(values['rotate-every'])}').`);
  const tls = parseServeTls(values);
  const warning = bindSecurityOption({ host, tls: tls !== undefined, insecureHttp });
  if (warning) console.error(warning);
  const limits = {
    ...(values['max-connections'] === undefined ? {} : { maxConnections: integerOption(values['max-connections'], 'max-connections', 1024) }),
    ...(values['idle-timeout'] === undefined ? {} : { idleTimeoutMs: integerOption(values['idle-timeout'], 'idle-timeout', 60) * 1000 }),
  };
  const lifecycleDaySeconds = integerOption(values['lifecycle-day'], 'lifecycle-day', 86_400);
  const logger = createLogger('info');
  let engine;
  try {
    engine = await startEngine({
      dataDir: values.data, host, port, insecureHttp, limits, ...(tls ? { tls } : {}), region: values.region as string | undefined,
      ...(rotateEvery === undefined ? {} : { masterKeyMaxAgeMs: Math.round(rotateEvery * 24 * 60 * 60 * 1000) }),
      credentials: secretId !== undefined && secretKey !== undefined ? { secretId, secretKey } : undefined,
      buckets: (values.bucket as string[] | undefined) ?? [], logger, lifecycleDayMs: lifecycleDaySeconds * 1000,
    });
  } catch (error) {
    console.error(`cos-sync engine: ${describeError(error)}`);
    return 1;
  }
  if (engine.credentialsFile) {
    console.error(`${engine.credentialsCreated ? 'Generated credentials' : 'Credentials'} stored in ${engine.credentialsFile} (SecretId ${engine.credentials.secretId}).`);
  }
  if (engine.tls) {
    const source = engine.tls.certFile ? `${engine.tls.certFile} (self-signed, ${engine.tls.created ? 'generated now' : 'kept from an earlier start'}; clients: --ca-file ${engine.tls.certFile})` : 'from --tls-cert';
    console.error(`TLS certificate ${source}\nSHA-256 fingerprint ${engine.tls.fingerprint}`);
  }
  process.stdout.write(`COS engine listening on ${engine.endpoint}\n`);
  const handle = engine;
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      console.error(`cos-sync engine: ${signal} received, closing.`);
      handle.close().then(() => resolve(0), (error: unknown) => {
        console.error(`cos-sync engine: close failed: ${describeError(error)}`);
        resolve(1);
      });
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
