import { Module } from '@nestjs/common';
import { AccessModule } from '#access/access.module.js';
import { OperatorBootstrapService } from './operator-bootstrap.service.js';
import { TenantProvisioningService } from './tenant-provisioning.service.js';

/** Tenant use cases that reach into identity and access (provisioning with the owner, operator bootstrap). */
@Module({
  imports: [AccessModule],
  providers: [TenantProvisioningService, OperatorBootstrapService],
  exports: [TenantProvisioningService, OperatorBootstrapService, AccessModule],
})
export class TenancyModule {}
