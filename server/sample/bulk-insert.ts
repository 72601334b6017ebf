// Batched multi-row inserts through one parameter: INSERT … SELECT FROM json_to_recordset($1::json). One
// round trip per batch on both backends, values always bound as a parameter, identifiers only from the
// generator's own fixed column lists.
import type { Queryable } from '../db/db';

export interface Column {
  name: string;
  /** SQL type of the value inside the JSON record */
  type: string;
  /** SQL expression producing the stored value from `r.<name>` (default: the value itself) */
  expr?: string;
}

export const geomColumn = (name: string): Column => ({ name, type: 'text', expr: `ST_GeomFromText(r.${name}, 4326)` });

export class BatchWriter<R extends Record<string, unknown>> {
  private rows: R[] = [];
  private readonly sql: string;
  count = 0;

  constructor(
    private readonly q: Queryable,
    table: string,
    columns: readonly Column[],
    private readonly batchSize = 4000,
  ) {
    const names = columns.map((c) => c.name).join(', ');
    const exprs = columns.map((c) => c.expr ?? `r.${c.name}`).join(', ');
    const defs = columns.map((c) => `${c.name} ${c.type}`).join(', ');
    this.sql = `INSERT INTO ${table} (${names}) SELECT ${exprs} FROM json_to_recordset($1::json) AS r(${defs})`;
  }

  async push(row: R): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= this.batchSize) await this.flush();
  }

  async flush(): Promise<number> {
    if (this.rows.length) {
      const batch = this.rows;
      this.rows = [];
      await this.q.query(this.sql, [JSON.stringify(batch)]);
      this.count += batch.length;
    }
    return this.count;
  }
}

/** Batched UPDATE t SET col = r.col … FROM json_to_recordset WHERE t.id = r.id (closing FK cycles). */
export async function bulkUpdate(
  q: Queryable,
  table: string,
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
  batchSize = 5000,
): Promise<void> {
  const sets = columns.map((c) => `${c.name} = r.${c.name}`).join(', ');
  const defs = ['id integer', ...columns.map((c) => `${c.name} ${c.type}`)].join(', ');
  const sql = `UPDATE ${table} AS t SET ${sets} FROM json_to_recordset($1::json) AS r(${defs}) WHERE t.id = r.id`;
  for (let i = 0; i < rows.length; i += batchSize) await q.query(sql, [JSON.stringify(rows.slice(i, i + batchSize))]);
}
