import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';

/**
 * Single statements on the hot protocol paths (token issuance, code redemption, introspection),
 * sent to the ORM's own pool as named prepared statements with bound parameters: PostgreSQL
 * parses and plans each distinct statement once per connection, and values never travel inside
 * the SQL text. Outside any transaction by design: each call is one autocommitted statement, so
 * code that needs a transaction uses the EntityManager instead. Statements are written with `?`
 * placeholders, numbered here.
 */
@Injectable()
export class Sql {
  private pool: Pool | undefined;
  private readonly prepared = new Map<string, { name: string; text: string }>();

  constructor(private readonly orm: MikroORM) {}

  async rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    const statement = this.statement(sql);
    const pool = (this.pool ??= await this.orm.em.getConnection().getNativeClient());
    const result = await pool.query({ name: statement.name, text: statement.text, values: [...params] });
    return result.rows as T[];
  }

  async run(sql: string, params: readonly unknown[]): Promise<void> {
    await this.rows(sql, params);
  }

  private statement(sql: string): { name: string; text: string } {
    let statement = this.prepared.get(sql);
    if (!statement) {
      let index = 0;
      const text = sql.replace(/\?/g, () => `$${++index}`);
      statement = { name: `ot_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
      this.prepared.set(sql, statement);
    }
    return statement;
  }
}
