import type pg from 'pg';

/**
 * Lets pg-boss run its statements through the API's own pool instead of opening another.
 * A multi-statement text (pg-boss's maintenance claims are) yields one result per statement;
 * pg-boss needs the rows of all of them, in order, as its own adapter gives them.
 */
export function poolAdapter(pool: pg.Pool) {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const result: pg.QueryResult | pg.QueryResult[] = await pool.query(text, values);
      return { rows: Array.isArray(result) ? result.flatMap((r) => r.rows) : result.rows };
    },
  };
}
