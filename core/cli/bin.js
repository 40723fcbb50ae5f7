#!/usr/bin/env node
// Entry shim for the `cos-sync` command: checks the Node version, then loads the TypeScript CLI (Node strips types).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`cos-sync needs Node.js 22.18 or newer (found ${process.versions.node}). Run it through npm (npx cos-sync) or install Node 24.\n`);
  process.exit(2);
}
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
