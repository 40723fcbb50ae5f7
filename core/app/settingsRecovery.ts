/** Opens a damaged settings file safely: keeps the original aside, keeps every entry that is still valid, says what was lost. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CosSyncError } from '../common/errors.ts';
import { PRIVATE_FILE_MODE } from '../common/privateFiles.ts';
import { keepAside } from './keepAside.ts';
import { settingsSchema, type StoreProblem } from './settings.ts';

/** The part of JSON Schema that {@link settingsSchema} uses. */
interface Rule {
  type?: string | readonly string[];
  items?: Rule;
  required?: readonly string[];
  properties?: Record<string, Rule>;
  minimum?: number;
  maximum?: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** Why `value` breaks `rule`, or undefined when it does not (the same checks conf's validator makes for this schema). */
function violation(value: unknown, rule: Rule): string | undefined {
  if (rule.type !== undefined) {
    const allowed = typeof rule.type === 'string' ? [rule.type] : rule.type;
    const actual = typeName(value);
    if (!allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) return `${JSON.stringify(value)} is not ${allowed.join(' or ')}`;
  }
  if (typeof value === 'number') {
    if (rule.minimum !== undefined && value < rule.minimum) return `${value} is below ${rule.minimum}`;
    if (rule.maximum !== undefined && value > rule.maximum) return `${value} is above ${rule.maximum}`;
  }
  if (isObject(value)) {
    const missing = (rule.required ?? []).filter((name) => !(name in value));
    if (missing.length > 0) return `missing ${missing.join(', ')}`;
    for (const [name, property] of Object.entries(rule.properties ?? {})) {
      if (name in value) {
        const problem = violation(value[name], property);
        if (problem) return `${name}: ${problem}`;
      }
    }
  }
  if (Array.isArray(value) && rule.items) {
    for (const item of value) {
      const problem = violation(item, rule.items);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Removes what breaks the schema from `data` (array items and object properties one by one); returns what was removed. */
function salvage(data: Record<string, unknown>): string[] {
  const lost: string[] = [];
  for (const [key, rule] of Object.entries(settingsSchema as unknown as Record<string, Rule>)) {
    if (!(key in data)) continue;
    const value = data[key];
    if (Array.isArray(value) && rule.items && violation(value, { type: rule.type }) === undefined) {
      data[key] = value.filter((item, index) => {
        const problem = violation(item, rule.items!);
        const name = isObject(item) && typeof item.name === 'string' ? ` "${item.name}"` : isObject(item) && typeof item.localPath === 'string' ? ` ${item.localPath}` : '';
        if (problem) lost.push(`${key} #${index + 1}${name} (${problem})`);
        return problem === undefined;
      });
    } else if (isObject(value) && rule.properties) {
      for (const [name, property] of Object.entries(rule.properties)) {
        const problem = name in value ? violation(value[name], property) : undefined;
        if (problem) {
          lost.push(`${key}.${name} (${problem})`);
          delete value[name];
        }
      }
    } else {
      const problem = violation(value, rule);
      if (problem) {
        lost.push(`${key} (${problem})`);
        delete data[key];
      }
    }
  }
  return lost;
}

/**
 * Checks the settings file before conf or electron-store opens it (both refuse to start on a file that is not JSON
 * or that breaks the schema). A file that is not a JSON object is renamed to `<file>.corrupt-<time>` and the app
 * starts from defaults; a file with entries the schema refuses keeps every valid entry — the invalid profiles,
 * folders or options alone are left out — and its original is kept aside the same way. Returns the problem to show
 * the user (what was lost, where the original is), or undefined when the file is missing or sound. Throws
 * `SettingsUnreadable` when the file exists but cannot be read (nothing is changed then).
 */
export function recoverSettingsFile(file: string, now: number = Date.now()): StoreProblem | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CosSyncError('SettingsUnreadable', `The settings file ${file} could not be read (${code ?? String(error)}); nothing was changed.`, {
      hint: 'Check that the file belongs to you and is readable, then start COS Sync again.', cause: error,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const name = path.basename(file);
  if (!isObject(data)) {
    const aside = keepAside(file, now);
    return {
      code: 'SettingsFileDamaged',
      message: `${name} could not be read (${data === undefined ? 'it is not valid JSON' : 'it is not a JSON object'}), so COS Sync started with default settings: the accounts, synced folders and options it held are not loaded. The damaged file is kept as ${path.basename(aside)}.`,
      hint: `Add the accounts and folders again in Settings, or stop COS Sync, repair ${path.basename(aside)} and move it back to ${name}.`,
      retry: 'fatal',
      at: now,
    };
  }
  const lost = salvage(data);
  if (lost.length === 0) return undefined;
  const aside = keepAside(file, now);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(data, null, '\t'), { mode: PRIVATE_FILE_MODE });
  renameSync(temporary, file);
  return {
    code: 'SettingsFileDamaged',
    message: `${name} held entries COS Sync cannot use, so they were left out and everything else was kept: ${lost.join('; ')}. The original file is kept as ${path.basename(aside)}.`,
    hint: 'Add what was left out again in Settings; the kept file shows what it was.',
    retry: 'fatal',
    at: now,
  };
}
