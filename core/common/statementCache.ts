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

/** BEGIN / COMMIT / ROLLBACK prepared once per database: a statement compiled at every transaction showed in per-file profiles. */
const controlStatements = new WeakMap<DatabaseSync, (sql: string) => StatementSync>();

/** Runs `work` between `begin` (e.g. `BEGIN IMMEDIATE`) and COMMIT; rolls back and rethrows when it throws. */
export function inTransaction<T>(db: DatabaseSync, begin: string, work: () => T): T {
  let control = controlStatements.get(db);
  if (!control) {
    control = statementCache(db);
    controlStatements.set(db, control);
  }
  control(begin).run();
  try {
    const result = work();
    control('COMMIT').run();
    return result;
  } catch (error) {
    control('ROLLBACK').run();
    throw error;
  }
}
