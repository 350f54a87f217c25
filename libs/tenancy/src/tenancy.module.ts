import { Module } from '@nestjs/common';
import { AccessModule } from '#access/access.module.js';
import { OAuthKeysModule } from '#oauth/oauth-keys.module.js';
import { OperatorBootstrapService } from './operator-bootstrap.service.js';
import { TenantProvisioningService } from './tenant-provisioning.service.js';

/** Tenant use cases that reach into identity and access (provisioning with the owner, operator bootstrap). */
@Module({
  imports: [AccessModule, OAuthKeysModule],
  providers: [TenantProvisioningService, OperatorBootstrapService],
  exports: [TenantProvisioningService, OperatorBootstrapService, AccessModule, OAuthKeysModule],
})
export class TenancyModule {}
