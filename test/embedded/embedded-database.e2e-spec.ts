import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedDatabase } from '#database/embedded/embedded-database.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentrusty-embedded-'));
  const logger = pino({ level: 'silent' });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on first use, listens on 127.0.0.1 only, and requires its generated password', async () => {
    const database = await startEmbeddedDatabase(dataDir, logger);
    try {
      const url = new URL(database.url);
      expect(url.hostname).toBe('127.0.0.1');
      expect(url.password.length).toBeGreaterThanOrEqual(24);
      const [settings] = await query<{ listen: string; sockets: string }>(
        database.url,
        `select current_setting('listen_addresses') as listen, current_setting('unix_socket_directories') as sockets`,
      );
      expect(settings).toEqual({ listen: '127.0.0.1', sockets: '' });

      url.password = 'wrong-password';
      await expect(query(url.toString(), 'select 1')).rejects.toThrow(/password authentication failed/);

      for (const secret of ['database-password', 'key-encryption-key']) {
        expect(statSync(join(dataDir, secret)).mode & 0o777).toBe(0o600);
      }
      expect(database.keyEncryptionKey).toHaveLength(32);
      await query(database.url, `create table kept (value text); insert into kept values ('survives restarts')`);
    } finally {
      await database.stop();
    }
  });

  it('keeps its data, password and key-encryption key across restarts', async () => {
    const first = await startEmbeddedDatabase(dataDir, logger);
    const firstKey = first.keyEncryptionKey;
    const firstPassword = new URL(first.url).password;
    await first.stop();
    const second = await startEmbeddedDatabase(dataDir, logger);
    try {
      expect(new URL(second.url).password).toBe(firstPassword);
      expect(second.keyEncryptionKey.equals(firstKey)).toBe(true);
      expect(await query(second.url, 'select value from kept')).toEqual([{ value: 'survives restarts' }]);
    } finally {
      await second.stop();
    }
  });
});

describe('embedded PostgreSQL after stop', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'opentrusty-embedded-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('leaves no server running and no lock file once stopped', async () => {
    const database = await startEmbeddedDatabase(dataDir, pino({ level: 'silent' }));
    await database.stop();
    expect(() => statSync(join(dataDir, 'pg', 'postmaster.pid'))).toThrow();
    await expect(query(database.url, 'select 1')).rejects.toThrow(/ECONNREFUSED/);
  });
});
