/** `cos-sync serve`: the app headless — the same service with the bundled engine, its UI served to a browser on 127.0.0.1. */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../common/logger.ts';
import { describeError } from '../../common/errors.ts';
import { certificateNames, loadOrCreateSelfSigned } from '../../crypto/index.ts';
import { bindSecurityOption, hostOption, parseCommandLine, portOption } from '../arguments.ts';
import { parseServeTls, readCaFile, serveTlsOptionHelp, serveTlsOptionSpec } from '../tlsOptions.ts';

const options = {
  data: { type: 'string' },
  folder: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  'insecure-http': { type: 'boolean' },
  ...serveTlsOptionSpec,
  'ca-file': { type: 'string' },
  'engine-port': { type: 'string' },
  'no-default-folder': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `--help` text. */
export const serveHelp = `Usage: cos-sync serve [--data APPDIR] [--folder DIR]... [--port N] [--host 127.0.0.1]

Runs COS Sync without a desktop: the bundled encrypted engine (the default account), folder sync, and
the status and upload windows as web pages on 127.0.0.1, protected by a random token in the URL.
On the first run it syncs ~/COS Sync (or the --folder ones) to the bundled engine.
When ready it prints one line to stdout: COS Sync UI at http://HOST:PORT/?token=… (https:// with TLS)

Options:
  --data APPDIR         app data folder: settings, journal, engine data (default ~/.cos-sync)
  --folder DIR          also sync DIR (repeatable)
  --port N              UI port (default 0: a free one)
  --host ADDRESS        UI address (default 127.0.0.1); beyond loopback it needs TLS
  --insecure-http       serve the UI over plain HTTP on a non-loopback --host anyway (prints a warning)
  --ca-file FILE        trust these PEM certificates for accounts that name no CA file of their own
${serveTlsOptionHelp(22, 'APPDIR')}
  --engine-port N       bundled engine port (default 0: a free one)
  --no-default-folder   do not create and sync ~/COS Sync on the first run
  --verbose             log to stderr
  -h, --help            show this help`;

const rendererDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'renderer');

/** Builds the renderer when this checkout has not built it yet (Vite is a devDependency). */
async function ensureRenderer(): Promise<string> {
  const dist = path.join(rendererDir, 'dist');
  if (existsSync(path.join(dist, 'index.html'))) return dist;
  console.error('Building the UI once (renderer/dist)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(rendererDir, 'vite.config.ts'), logLevel: 'warn' });
  return dist;
}

/** Runs until SIGINT/SIGTERM; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, options);
  if (values.help) {
    console.log(serveHelp);
    return 0;
  }
  // Every option is checked before anything starts: a usage error must end the process at once.
  const dataDir = path.resolve((values.data as string | undefined) ?? path.join(os.homedir(), '.cos-sync'));
  const folders = (values.folder as string[] | undefined) ?? [];
  const port = portOption(values.port, 'port', 0);
  const enginePort = portOption(values['engine-port'], 'engine-port', 0);
  const bind = hostOption(values.host, 'host', '127.0.0.1');
  const insecureHttp = values['insecure-http'] === true;
  const tlsChoice = parseServeTls(values);
  const caFile = values['ca-file'] as string | undefined;
  readCaFile(caFile);
  const warning = bindSecurityOption({ host: bind, tls: tlsChoice !== undefined, insecureHttp });
  if (warning) console.error(warning);
  let tls = tlsChoice === 'self-signed' ? undefined : tlsChoice;
  if (tlsChoice === 'self-signed') {
    const identity = await loadOrCreateSelfSigned(dataDir, certificateNames(bind));
    console.error(`TLS certificate ${identity.certFile} (self-signed${identity.created ? ', generated now' : ''}), SHA-256 fingerprint ${identity.fingerprint}`);
    tls = { cert: identity.cert, key: identity.key };
  }
  // Loaded only now: the app's module graph is large, and a usage error should not wait for it.
  const [{ createAppService }, { startWebHost }] = await Promise.all([import('../../app/service.ts'), import('../../web/startWebHost.ts')]);
  const staticDir = await ensureRenderer();
  const service = await createAppService({
    dataDir,
    mode: 'headless',
    folders,
    ...(folders.length === 0 && !values['no-default-folder'] ? { defaultFolder: path.join(os.homedir(), 'COS Sync') } : {}),
    enginePort,
    ...(caFile ? { caFile } : {}),
    ...(values.verbose ? { logger: createLogger('info') } : {}),
  });
  let host;
  try {
    host = await startWebHost({ service, staticDir, port, host: bind, insecureHttp, ...(tls ? { tls } : {}) });
  } catch (error) {
    await service.close();
    console.error(`cos-sync serve: the UI could not listen on ${bind}:${port}: ${describeError(error)}`);
    return 1;
  }
  console.log(`COS Sync UI at ${host.url}`);
  if (service.engineEndpoint) console.error(`Bundled engine at ${service.engineEndpoint} (data in ${path.join(dataDir, 'engine')})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.error('Stopping…');
  await host.close();
  await service.close();
  return 0;
}
