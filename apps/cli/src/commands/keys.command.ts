import type { Logger } from 'pino';
import { keyStateAt } from '#oauth/keys/key-state.js';
import { SigningKeyService } from '#oauth/keys/signing-key.service.js';
import type { AppConfig } from '#platform/config/app-config.js';
import type { Tenant } from '#tenancy/tenant.entity.js';
import { TenantRepository } from '#tenancy/tenant.repository.js';
import { CliError } from '../cli-error.js';
import { withCliServices } from '../runtime/cli-context.js';
import { openDatabase } from '../runtime/database-runtime.js';
import { assertSchemaCurrent } from '../runtime/schema-check.js';
import { processContext } from '../runtime/process-context.js';

/**
 * `opentrusty keys rotate [--tenant SLUG] [--now]` (SPEC §2, §5.7): stage new signing keys for one
 * tenant or all. They are published at once and sign after the publication delay, or at once
 * with --now.
 */
export async function keysRotateCommand(options: { tenant?: string | undefined; now: boolean }, config: AppConfig, logger: Logger): Promise<number> {
  const database = await openDatabase(config, logger);
  try {
    await assertSchemaCurrent(database);
    return await withCliServices(processContext(config, database, logger), async (services) => {
      const tenants = services.get(TenantRepository);
      const keys = services.get(SigningKeyService);
      const targets = options.tenant ? [await tenants.findBySlug(options.tenant)] : await allTenants(tenants);
      if (targets[0] === null) throw new CliError(`no tenant with the slug "${options.tenant}"`, 1);
      for (const tenant of targets as Tenant[]) {
        const staged = await keys.rotate(tenant, options.now, { type: 'system' });
        const now = new Date();
        for (const key of staged) {
          process.stderr.write(`${tenant.slug}: ${key.alg} ${key.kid} ${keyStateAt(key, now)} (signs from ${key.activatesAt.toISOString()})\n`);
        }
        logger.info({ tenant: tenant.slug, kids: staged.map((key) => key.kid), immediately: options.now }, 'signing keys rotated');
      }
      return 0;
    });
  } finally {
    await database.close();
  }
}

async function allTenants(tenants: TenantRepository): Promise<Tenant[]> {
  const all: Tenant[] = [];
  for (let after: string | undefined; ; ) {
    const page = await tenants.list({}, { limit: 200, after });
    all.push(...page.slice(0, 200));
    if (page.length <= 200) return all;
    after = page[199]!.id;
  }
}
