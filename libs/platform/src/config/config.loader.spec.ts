import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './config.loader.js';

const KEY = randomBytes(32).toString('base64');
const URL = 'postgresql://app:s3cret-pw@db.internal:5432/opentrusty';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('applies the documented defaults when nothing is set (embedded database)', () => {
    const { config } = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.adminPublicUrl).toBe('http://localhost:8081');
    expect([config.authPort, config.adminPort]).toEqual([8080, 8081]);
    expect(config.keyEncryptionKey).toBeUndefined();
    expect(config.trustProxy).toBe(false);
    expect(config.logLevel).toBe('info');
    expect(config.migrateOnStart).toBe(true);
    expect(config.readyDatabaseTimeoutMs).toBe(500);
    expect(config.dataDir).toBe('.opentrusty');
    // Safe on by default: every use of a kept client is confirmed against its row versions.
    expect(config.clientCacheSeconds).toBe(300);
  });

  it('parses every kind of value', () => {
    const { config } = loadConfig({
      OPENTRUSTY_DATABASE_URL: URL,
      OPENTRUSTY_KEY_ENCRYPTION_KEY: KEY,
      OPENTRUSTY_PUBLIC_URL: 'https://id.example.com/',
      OPENTRUSTY_AUTH_PORT: '9000',
      OPENTRUSTY_ADMIN_PORT: '9001',
      OPENTRUSTY_TRUST_PROXY: '10.0.0.0/8, loopback',
      OPENTRUSTY_MIGRATE_ON_START: 'false',
      OPENTRUSTY_LOG_LEVEL: 'warn',
      OPENTRUSTY_DATABASE_SSL: 'verify-full',
      OPENTRUSTY_DATABASE_POOL_MAX: '25',
    });
    expect(config.database.url).toBe(URL);
    expect(config.keyEncryptionKey).toEqual(Buffer.from(KEY, 'base64'));
    expect(config.publicUrl).toBe('https://id.example.com');
    expect([config.authPort, config.adminPort]).toEqual([9000, 9001]);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', 'loopback']);
    expect(config.migrateOnStart).toBe(false);
    expect(config.logLevel).toBe('warn');
    expect(config.database.ssl).toBe('verify-full');
    expect(config.database.poolMax).toBe(25);
  });

  it.each([
    ['false', false],
    ['true', true],
    ['2', 2],
  ])('reads OPENTRUSTY_TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ OPENTRUSTY_TRUST_PROXY: value }).config.trustProxy).toEqual(expected);
  });

  it.each([
    ['OPENTRUSTY_AUTH_PORT', 'abc'],
    ['OPENTRUSTY_AUTH_PORT', '70000'],
    ['OPENTRUSTY_ADMIN_PORT', '0'],
    ['OPENTRUSTY_PUBLIC_URL', 'ftp://example.com'],
    ['OPENTRUSTY_PUBLIC_URL', 'https://example.com/?a=b'],
    ['OPENTRUSTY_ADMIN_PUBLIC_URL', 'not a url'],
    ['OPENTRUSTY_LOG_LEVEL', 'verbose'],
    ['OPENTRUSTY_MIGRATE_ON_START', 'yes'],
    ['OPENTRUSTY_DATABASE_SSL', 'prefer'],
    ['OPENTRUSTY_DATABASE_POOL_MAX', '-1'],
    ['OPENTRUSTY_TRUST_PROXY', 'everyone!'],
    ['OPENTRUSTY_READY_DATABASE_TIMEOUT_MS', '1.5'],
  ])('rejects %s=%s with a message naming the variable and the value', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: .+ \\(got ${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)$`));
  });

  it('never echoes the value of a secret variable', () => {
    const [urlProblem] = problemsOf({ OPENTRUSTY_DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(urlProblem).toMatch(/^OPENTRUSTY_DATABASE_URL: /);
    expect(urlProblem).not.toContain('hunter2');
    const [keyProblem] = problemsOf({ OPENTRUSTY_KEY_ENCRYPTION_KEY: 'c2hvcnQta2V5' });
    expect(keyProblem).toMatch(/^OPENTRUSTY_KEY_ENCRYPTION_KEY: .*32/);
    expect(keyProblem).not.toContain('c2hvcnQta2V5');
  });

  it('requires a key-encryption key with an external database', () => {
    expect(problemsOf({ OPENTRUSTY_DATABASE_URL: URL })).toEqual([expect.stringMatching(/^OPENTRUSTY_KEY_ENCRYPTION_KEY: required/)]);
  });

  it('rejects a key that is not exactly 32 bytes', () => {
    const problems = problemsOf({ OPENTRUSTY_DATABASE_URL: URL, OPENTRUSTY_KEY_ENCRYPTION_KEY: randomBytes(31).toString('base64') });
    expect(problems[0]).toMatch(/^OPENTRUSTY_KEY_ENCRYPTION_KEY: /);
  });

  it('rejects the same port for both planes', () => {
    expect(problemsOf({ OPENTRUSTY_AUTH_PORT: '9000', OPENTRUSTY_ADMIN_PORT: '9000' })).toEqual([
      expect.stringMatching(/^OPENTRUSTY_ADMIN_PORT: must differ/),
    ]);
  });

  it('reports every invalid variable at once', () => {
    expect(problemsOf({ OPENTRUSTY_AUTH_PORT: 'x', OPENTRUSTY_LOG_LEVEL: 'loud' })).toHaveLength(2);
  });

  it('treats empty values as unset and lists unknown OPENTRUSTY_* variables', () => {
    const { config, unknownVariables } = loadConfig({ OPENTRUSTY_AUTH_PORT: '', OPENTRUSTY_AUTHPORT: '1', OPENTRUSTY_TEST_DATABASE_URL: URL, HOME: '/root' });
    expect(config.authPort).toBe(8080);
    expect(unknownVariables).toEqual(['OPENTRUSTY_AUTHPORT']);
  });
});
