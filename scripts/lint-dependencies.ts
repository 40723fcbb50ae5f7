/** Enforces the one-way dependency rules of ARCHITECTURE.md by reading every import specifier. */
import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Rule {
  /** Files the rule applies to (path prefix). */
  from: string;
  /** Returns true when the import (resolved path or bare package) is forbidden. */
  forbids: (target: string, typeOnly: boolean) => boolean;
  message: string;
}

const inside = (target: string, prefix: string): boolean => target.startsWith(prefix);
const coreModules = ['sync', 'cos', 'engine'];

// The engine's rooms, lowest first, with the rooms each may import (`:type` = `import type` only). The files at
// core/engine/ itself (startEngine, requestHandler, index) compose the rooms and may import any of them.
const engineRooms: [string, string[]][] = [
  ['storage', []],
  ['policy', []],
  ['keys', ['storage']],
  ['content', ['storage', 'keys']],
  ['http', ['storage:type', 'policy:type']],
  ['api', ['storage', 'keys', 'content', 'http', 'policy']],
  ['admin', ['keys:type']],
];

function engineImportAllowed(room: string, allowed: string[], target: string, typeOnly: boolean): boolean {
  const other = /^core\/engine\/([^/]+)\//.exec(target)?.[1];
  if (other === room) return true;
  if (other === undefined) return false;
  return allowed.includes(other) || (typeOnly && allowed.includes(`${other}:type`));
}

const rules: Rule[] = [
  {
    from: 'renderer/',
    forbids: (target, typeOnly) =>
      (inside(target, 'core/') && !(typeOnly && target === 'core/app/contract.ts')) || inside(target, 'electron/') || target.startsWith('node:') || target === 'electron',
    message: 'renderer/ may only `import type` from core/app/contract.ts; it never touches core, electron or Node.',
  },
  {
    from: 'core/',
    forbids: (target) => inside(target, 'electron/') || inside(target, 'renderer/') || target === 'electron' || target === 'electron-store',
    message: 'core/ never imports electron/, renderer/ or the electron packages; it must run under plain Node.',
  },
  {
    from: 'electron/',
    forbids: (target) => inside(target, 'core/') && target !== 'core/index.ts' && !inside(target, 'core/app/'),
    message: 'electron/ reaches core only through core/index.ts or core/app/.',
  },
  ...coreModules.map((module): Rule => ({
    from: `core/${module}/`,
    forbids: (target) => coreModules.some((other) => other !== module && inside(target, `core/${other}/`)),
    message: `core/${module} must not import the other peers (sync, cos, engine); core/app wires them.`,
  })),
  ...coreModules.map((module): Rule => ({
    from: `core/${module}/`,
    forbids: (target) => inside(target, 'core/backup/'),
    message: `core/${module} must not import core/backup: backup is a workflow built on the COS client, not below it.`,
  })),
  {
    from: 'core/backup/',
    forbids: (target) => ['sync', 'engine', 'app', 'web', 'cli'].some((other) => inside(target, `core/${other}/`)),
    message: 'core/backup (audit, encrypt, restore) builds on core/cos, protocol and common only; core/app and core/cli use it.',
  },
  ...['protocol', 'crypto', 'common'].map((leaf): Rule => ({
    from: `core/${leaf}/`,
    forbids: (target) => ['cos', 'engine', 'sync', 'backup', 'app', 'web', 'cli'].some((upper) => inside(target, `core/${upper}/`)),
    message: `core/${leaf} is a leaf: it may not import the modules built on it.`,
  })),
  ...engineRooms.map(([room, allowed]): Rule => ({
    from: `core/engine/${room}/`,
    forbids: (target, typeOnly) => inside(target, 'core/engine/') && !engineImportAllowed(room, allowed, target, typeOnly),
    message: `core/engine/${room} may import only ${allowed.length === 0 ? 'no other engine room' : allowed.map((name) => name.replace(':type', ' (types only)')).join(', ')} inside the engine (docs/ARCHITECTURE.md, "The engine's rooms").`,
  })),
  {
    from: 'core/',
    forbids: (target) => target === 'chokidar',
    message: 'chokidar is imported in core/sync/watcherChokidar.ts only (keep the watcher behind one interface).',
  },
  {
    from: 'test/',
    forbids: (target) => target === 'electron',
    message: 'tests never import the electron package (it would try to download its binary).',
  },
];

const importPattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const files = globSync('{core,electron,renderer,test,bench,scripts}/**/*.{ts,tsx,js,mjs}').filter((file) => !file.includes('node_modules') && !file.includes('/dist/') && !file.includes('/build/'));
const problems: string[] = [];
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(importPattern)) {
    const specifier = match[3] ?? match[4] ?? '';
    const typeOnly = Boolean(match[2]);
    const target = specifier.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) : specifier;
    for (const rule of rules) {
      if (!file.startsWith(rule.from)) continue;
      if (rule.message.startsWith('chokidar') && file === 'core/sync/watcherChokidar.ts') continue;
      if (rule.forbids(target, typeOnly)) problems.push(`${file}: imports '${specifier}': ${rule.message}`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} dependency rule violation(s).`);
  process.exit(1);
}
console.log(`dependency rules: ${files.length} files checked, no violations`);
