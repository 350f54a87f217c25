import { Module } from '@nestjs/common';
import { TenantRepository } from './tenant.repository.js';

/** Tenant data access, for the modules that build on tenants (identity, access). */
@Module({ providers: [TenantRepository], exports: [TenantRepository] })
export class TenancyDataModule {}
