import { Controller, Delete, Get, Patch, Post } from '@nestjs/common';
import type { z } from 'zod';
import { CurrentPrincipal } from '#access/current-principal.decorator.js';
import type { Principal } from '#access/principal.js';
import { Requires } from '#access/requires.decorator.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import type { Page } from '#platform/api/pagination.js';
import { ValidBody, ValidParams, ValidQuery } from '#platform/api/validation.js';
import { tenantParams } from '../users/user.schemas.js';
import type { TenantView } from './tenant.presenter.js';
import {
  createdTenantSchema,
  createTenantBody,
  listTenantsQuery,
  ownershipSchema,
  tenantPageSchema,
  tenantSchema,
  transferOwnershipBody,
  updateTenantBody,
} from './tenant.schemas.js';
import { TenantAdministrationService } from './tenant-administration.service.js';

const TAG = 'Tenants';

@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantAdministrationService) {}

  @Post()
  @Requires('platform.tenants.manage')
  @ApiRoute({ tag: TAG, summary: 'Create a tenant with its owner', body: createTenantBody, response: createdTenantSchema, status: 201, errors: { slug_taken: 'conflict' } })
  create(@CurrentPrincipal() principal: Principal, @ValidBody() body: z.output<typeof createTenantBody>) {
    return this.tenants.create(principal, body);
  }

  @Get()
  @Requires('platform.tenants.manage')
  @ApiRoute({ tag: TAG, summary: 'List tenants', query: listTenantsQuery, response: tenantPageSchema })
  list(@ValidQuery() query: z.output<typeof listTenantsQuery>): Promise<Page<TenantView>> {
    return this.tenants.list({ q: query.q, status: query.status }, query.limit ?? 50, query.cursor);
  }

  @Get(':tenantId')
  @Requires('platform.tenants.manage', 'tenant.read')
  @ApiRoute({ tag: TAG, summary: 'Read a tenant', params: tenantParams, response: tenantSchema })
  get(@ValidParams() params: z.output<typeof tenantParams>): Promise<TenantView> {
    return this.tenants.get(params.tenantId);
  }

  @Patch(':tenantId')
  @Requires('platform.tenants.manage', 'tenant.settings.manage')
  @ApiRoute({ tag: TAG, summary: 'Rename (platform admin or owner) or suspend/reactivate (platform admin) a tenant', params: tenantParams, body: updateTenantBody, response: tenantSchema, errors: { tenant_has_platform_admins: 'conflict' } })
  update(@CurrentPrincipal() principal: Principal, @ValidParams() params: z.output<typeof tenantParams>, @ValidBody() body: z.output<typeof updateTenantBody>): Promise<TenantView> {
    return this.tenants.update(principal, params.tenantId, body);
  }

  @Delete(':tenantId')
  @Requires('platform.tenants.manage', 'tenant.delete')
  @ApiRoute({ tag: TAG, summary: 'Delete a tenant (soft); ends all its sessions', params: tenantParams, status: 204, errors: { tenant_has_platform_admins: 'conflict' } })
  async delete(@CurrentPrincipal() principal: Principal, @ValidParams() params: z.output<typeof tenantParams>): Promise<void> {
    await this.tenants.delete(principal, params.tenantId);
  }

  @Post(':tenantId/owner')
  @Requires('tenant.ownership.transfer')
  @ApiRoute({ tag: TAG, summary: 'Transfer ownership to another user of the tenant (owner only)', params: tenantParams, body: transferOwnershipBody, response: ownershipSchema, errors: { already_owner: 'conflict', user_disabled: 'conflict' } })
  transfer(@CurrentPrincipal() principal: Principal, @ValidParams() params: z.output<typeof tenantParams>, @ValidBody() body: z.output<typeof transferOwnershipBody>) {
    return this.tenants.transferOwnership(principal, params.tenantId, body.user_id);
  }
}
