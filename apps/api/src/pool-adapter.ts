import type pg from 'pg';

/** Lets pg-boss run its statements through the API's own pool instead of opening another. */
export function poolAdapter(pool: pg.Pool) {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const result = await pool.query(text, values);
      return { rows: result.rows };
    },
  };
}
