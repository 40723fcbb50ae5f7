/** Numbered SQL schema migrations of a node:sqlite database, tracked in `PRAGMA user_version`. */
import type { DatabaseSync } from 'node:sqlite';
import { CosSyncError } from './errors.ts';

/**
 * Applies the missing steps of `migrations` (step i brings `user_version` from i to i + 1), each in its own
 * transaction together with the version bump, so a crash leaves the database at a whole version. Returns the
 * resulting version. Throws `SchemaTooNew` when the database was written by a newer program (`what` names it).
 */
export function migrate(db: DatabaseSync, migrations: readonly string[], what: string): number {
  const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (current > migrations.length) {
    throw new CosSyncError('SchemaTooNew', `The ${what} has schema version ${current}, newer than this app (${migrations.length}).`, {
      hint: 'Run the newer version of COS Sync that wrote it.',
    });
  }
  for (let version = current; version < migrations.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(migrations[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return migrations.length;
}
