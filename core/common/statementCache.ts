/** Prepares each SQL text of a node:sqlite database once and hands out the cached statement afterwards. */
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
