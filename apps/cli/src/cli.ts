import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '#platform/config/config.loader.js';
import { createRootLogger } from '#platform/logging/root-logger.js';
import { CliError } from './cli-error.js';
import { bootstrapCommand } from './commands/bootstrap.command.js';
import { keysRotateCommand } from './commands/keys.command.js';
import { purgeCommand } from './commands/purge.command.js';
import { migrateCommand } from './commands/migrate.command.js';
import { serveCommand } from './commands/serve.command.js';
import type { PlaneSelection } from './runtime/planes.js';

export const USAGE = `Usage: opentrusty <command> [options]

Commands:
  serve [--plane auth|admin|all]   serve the auth plane (:8080), the admin plane (:8081), or both (default)
  migrate [--down N]               apply pending migrations, or revert the N most recent, and exit
  bootstrap --tenant SLUG --email EMAIL [--password PW]
                                   create the operator's tenant and first platform administrator
                                   (exit code 3 when one already exists)
  keys rotate [--tenant SLUG] [--now]
                                   stage new signing keys for one tenant or all (active at once with --now)
  purge                            delete expired sessions, codes, tokens and audit events past retention

Configuration comes from OPENTRUSTY_* environment variables (see README). Without
OPENTRUSTY_DATABASE_URL, an embedded PostgreSQL is started under OPENTRUSTY_DATA_DIR (.opentrusty).
`;

/** Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error, 3 already bootstrapped. */
export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  let logger: Logger | undefined;
  try {
    const { config, unknownVariables } = loadConfig(env);
    logger = createRootLogger(config.logLevel);
    if (unknownVariables.length > 0) logger.warn({ variables: unknownVariables }, 'ignoring unknown OPENTRUSTY_* variables (typo?)');
    switch (command) {
      case 'serve':
        return await serveCommand(parsePlane(rest), config, logger);
      case 'migrate':
        return await migrateCommand(parseDown(rest), config, logger);
      case 'bootstrap':
        return await bootstrapCommand(parseBootstrap(rest), config, logger);
      case 'keys':
        return await keysRotateCommand(parseKeys(rest), config, logger);
      case 'purge':
        parseOptions(rest, {});
        return await purgeCommand(config, logger);
      default:
        throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`opentrusty: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`opentrusty: ${error.message}\n`);
      return error.exitCode;
    }
    logger?.fatal({ err: error }, 'opentrusty stopped on an unexpected error');
    process.stderr.write(`opentrusty: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function parseOptions(args: readonly string[], options: Record<string, { type: 'string' }>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: false, strict: true }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

function parsePlane(args: readonly string[]): PlaneSelection {
  const { plane = 'all' } = parseOptions(args, { plane: { type: 'string' } });
  if (plane !== 'auth' && plane !== 'admin' && plane !== 'all') throw new CliError(`--plane must be auth, admin or all (got "${plane}")`, 2);
  return plane;
}

function parseDown(args: readonly string[]): number | undefined {
  const { down } = parseOptions(args, { down: { type: 'string' } });
  if (down === undefined) return undefined;
  if (!/^[1-9]\d{0,3}$/.test(down)) throw new CliError(`--down takes a positive number of migrations (got "${down}")`, 2);
  return Number(down);
}

function parseBootstrap(args: readonly string[]) {
  const { tenant, email, password } = parseOptions(args, { tenant: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' } });
  if (!tenant || !email) throw new CliError(`bootstrap needs --tenant and --email\n\n${USAGE}`, 2);
  return { tenant, email, password };
}

function parseKeys(args: readonly string[]) {
  const [action, ...options] = args;
  if (action !== 'rotate') throw new CliError(`keys takes the action "rotate"\n\n${USAGE}`, 2);
  try {
    const { values } = parseArgs({ args: options, options: { tenant: { type: 'string' }, now: { type: 'boolean' } }, allowPositionals: false, strict: true });
    return { tenant: values.tenant, now: values.now ?? false };
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}
