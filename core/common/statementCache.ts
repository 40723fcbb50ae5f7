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

/** Runs `work` between `begin` (e.g. `BEGIN IMMEDIATE`) and COMMIT; rolls back and rethrows when it throws. */
export function inTransaction<T>(db: DatabaseSync, begin: string, work: () => T): T {
  db.exec(begin);
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
