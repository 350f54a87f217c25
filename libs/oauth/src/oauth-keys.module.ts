import { Module } from '@nestjs/common';
import { TenancyDataModule } from '#tenancy/tenancy-data.module.js';
import { KeyMaintenanceService } from './keys/key-maintenance.service.js';
import { SigningKeyRepository } from './keys/signing-key.repository.js';
import { SigningKeyService } from './keys/signing-key.service.js';
import { SigningKeysReadiness } from './keys/signing-keys.readiness.js';

/** Tenants' signing keys: storage, rotation, publication and the scheduled maintenance. */
@Module({
  imports: [TenancyDataModule],
  providers: [SigningKeyRepository, SigningKeyService, KeyMaintenanceService, SigningKeysReadiness],
  exports: [SigningKeyService, KeyMaintenanceService, SigningKeysReadiness],
})
export class OAuthKeysModule {}
