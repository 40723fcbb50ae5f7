#!/usr/bin/env node
// Entry shim for the `cos-sync` command: checks the Node version, then loads the TypeScript CLI (Node strips types).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`cos-sync needs Node.js 22.18 or newer (found ${process.versions.node}). Run it through npm (npx cos-sync) or install Node 24.\n`);
  process.exit(2);
}
// Node strips the types of every .ts module at each start; its compile cache keeps the stripped and compiled code
// (half the CPU of a start-up). In the user's own ~/.cos-sync, not a shared temp folder that others could write.
const { enableCompileCache } = await import('node:module');
const { homedir } = await import('node:os');
if (!process.env.NODE_COMPILE_CACHE) enableCompileCache?.(`${homedir()}/.cos-sync/compile-cache`);
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
