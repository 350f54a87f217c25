import type { Logger } from 'pino';
import { TENANT_SLUG_PATTERN } from '#tenancy/tenant-slug.js';
import { AlreadyBootstrappedError, OperatorBootstrapService } from '#tenancy/operator-bootstrap.service.js';
import type { AppConfig } from '#platform/config/app-config.js';
import { CliError } from '../cli-error.js';
import { openDatabase } from '../runtime/database-runtime.js';
import { assertSchemaCurrent } from '../runtime/schema-check.js';
import { withCliServices } from '../runtime/cli-context.js';
import { processContext } from '../runtime/process-context.js';

export interface BootstrapOptions {
  readonly tenant: string;
  readonly email: string;
  readonly password: string | undefined;
}

/** Exit code when a platform administrator already exists (SPEC §2). */
export const ALREADY_BOOTSTRAPPED_EXIT_CODE = 3;

export function validateBootstrapOptions(options: BootstrapOptions): void {
  if (!TENANT_SLUG_PATTERN.test(options.tenant)) throw new CliError('--tenant must be 3–63 lower-case letters, digits and inner hyphens', 2);
  if (!/^[^\s@]+@[^\s@]+$/.test(options.email.trim()) || options.email.length > 320) throw new CliError('--email must be an email address', 2);
  if (options.password !== undefined && (options.password.length < 8 || options.password.length > 128)) throw new CliError('--password must be 8 to 128 characters', 2);
}

/**
 * `opentrusty bootstrap --tenant SLUG --email EMAIL [--password PW]`: the operator's tenant and
 * first platform administrator. Prints a generated password once. Exit 3 if already done.
 */
export async function bootstrapCommand(options: BootstrapOptions, config: AppConfig, logger: Logger): Promise<number> {
  validateBootstrapOptions(options);
  const database = await openDatabase(config, logger);
  try {
    await assertSchemaCurrent(database);
    const context = processContext(config, database, logger);
    const result = await withCliServices(context, (services) => services.get(OperatorBootstrapService).bootstrap(options.tenant, options.email, options.password)).catch((error: unknown) => {
      if (error instanceof AlreadyBootstrappedError) throw new CliError(error.message, ALREADY_BOOTSTRAPPED_EXIT_CODE);
      throw error;
    });
    logger.info({ tenant: result.tenant.slug, user_id: result.admin.id, created_tenant: result.createdTenant }, 'platform administrator bootstrapped');
    const lines = [
      `Platform administrator ${result.admin.email} created in tenant "${result.tenant.slug}"${result.createdTenant ? ' (new tenant)' : ''}.`,
      ...(result.generatedPassword ? [`Generated password (shown only now): ${result.generatedPassword}`] : []),
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await database.close();
  }
}
