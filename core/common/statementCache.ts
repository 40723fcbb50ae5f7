/** node:sqlite helpers: a prepared-statement cache and a transaction wrapper, shared by the engine index and the journal. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Returns `prepare(sql)`, which compiles `sql` on first use and reuses the statement after that. */
export function statementCache(db: DatabaseSync): (sql: string) => StatementSync {
  const statements = new Map<string, StatementSync>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

/**
 * Runs `work` between `begin` (e.g. `BEGIN IMMEDIATE`) and COMMIT; rolls back and rethrows when it throws. The control
 * statements come from the database's {@link statementCache} (compiling them at every transaction showed in per-file
 * profiles).
 */
export function inTransaction<T>(prepare: (sql: string) => StatementSync, begin: string, work: () => T): T {
  prepare(begin).run();
  try {
    const result = work();
    prepare('COMMIT').run();
    return result;
  } catch (error) {
    prepare('ROLLBACK').run();
    throw error;
  }
}
