import { Controller, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import type { z } from 'zod';
import { CurrentPrincipal } from '#access/current-principal.decorator.js';
import type { Principal } from '#access/principal.js';
import { Requires } from '#access/requires.decorator.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { ValidBody, ValidParams, ValidQuery } from '#platform/api/validation.js';
import {
  createUserBody,
  listUsersQuery,
  rolesSchema,
  sessionListSchema,
  setPasswordBody,
  setRolesBody,
  tenantParams,
  updateUserBody,
  userPageSchema,
  userParams,
  userSchema,
} from './user.schemas.js';
import { UserAdministrationService } from './user-administration.service.js';

const TAG = 'Users';
type UserParams = z.output<typeof userParams>;

@Controller('api/v1/tenants/:tenantId/users')
export class UsersController {
  constructor(private readonly users: UserAdministrationService) {}

  @Post()
  @Requires('tenant.users.manage')
  @ApiRoute({ tag: TAG, summary: 'Create a user', params: tenantParams, body: createUserBody, response: userSchema, status: 201, errors: { email_taken: 'conflict' } })
  create(@CurrentPrincipal() principal: Principal, @ValidParams() params: z.output<typeof tenantParams>, @ValidBody() body: z.output<typeof createUserBody>) {
    return this.users.create(principal, params.tenantId, body);
  }

  @Get()
  @Requires('tenant.users.read')
  @ApiRoute({ tag: TAG, summary: 'List users (filter by email/name prefix and status)', params: tenantParams, query: listUsersQuery, response: userPageSchema })
  list(@ValidParams() params: z.output<typeof tenantParams>, @ValidQuery() query: z.output<typeof listUsersQuery>) {
    return this.users.list(params.tenantId, { q: query.q, status: query.status }, query.limit ?? 50, query.cursor);
  }

  @Get(':userId')
  @Requires('tenant.users.read')
  @ApiRoute({ tag: TAG, summary: 'Read a user', params: userParams, response: userSchema })
  get(@ValidParams() params: UserParams) {
    return this.users.get(params.tenantId, params.userId);
  }

  @Patch(':userId')
  @Requires('tenant.users.manage')
  @ApiRoute({ tag: TAG, summary: 'Change a user’s email, profile or status (disabling ends its sessions)', params: userParams, body: updateUserBody, response: userSchema, errors: { email_taken: 'conflict', owner_protected: 'forbidden', owner_cannot_be_disabled: 'conflict' } })
  update(@CurrentPrincipal() principal: Principal, @ValidParams() params: UserParams, @ValidBody() body: z.output<typeof updateUserBody>) {
    return this.users.update(principal, params.tenantId, params.userId, body);
  }

  @Delete(':userId')
  @Requires('tenant.users.manage')
  @ApiRoute({ tag: TAG, summary: 'Delete a user with its credential, roles and sessions', params: userParams, status: 204, errors: { owner_protected: 'forbidden', owner_cannot_be_deleted: 'conflict' } })
  async delete(@CurrentPrincipal() principal: Principal, @ValidParams() params: UserParams): Promise<void> {
    await this.users.delete(principal, params.tenantId, params.userId);
  }

  @Put(':userId/password')
  @Requires('tenant.users.manage')
  @ApiRoute({ tag: TAG, summary: 'Set a user’s password (clears lockout, ends its sessions)', params: userParams, body: setPasswordBody, status: 204, errors: { owner_protected: 'forbidden' } })
  async setPassword(@CurrentPrincipal() principal: Principal, @ValidParams() params: UserParams, @ValidBody() body: z.output<typeof setPasswordBody>): Promise<void> {
    await this.users.setPassword(principal, params.tenantId, params.userId, body.password);
  }

  @Post(':userId/unlock')
  @Requires('tenant.users.manage')
  @ApiRoute({ tag: TAG, summary: 'Lift a lockout', params: userParams, response: userSchema, errors: { owner_protected: 'forbidden' } })
  unlock(@CurrentPrincipal() principal: Principal, @ValidParams() params: UserParams) {
    return this.users.unlock(principal, params.tenantId, params.userId);
  }

  @Put(':userId/roles')
  @Requires('tenant.users.manage')
  @ApiRoute({ tag: TAG, summary: 'Replace a user’s tenant roles', params: userParams, body: setRolesBody, response: rolesSchema, errors: { owner_protected: 'forbidden', role_not_assignable: 'invalid_input', owner_role_required: 'conflict' } })
  setRoles(@CurrentPrincipal() principal: Principal, @ValidParams() params: UserParams, @ValidBody() body: z.output<typeof setRolesBody>) {
    return this.users.setRoles(principal, params.tenantId, params.userId, body.roles);
  }

  @Get(':userId/sessions')
  @Requires('tenant.users.read')
  @ApiRoute({ tag: TAG, summary: 'List a user’s sessions', params: userParams, response: sessionListSchema })
  sessions(@ValidParams() params: UserParams) {
    return this.users.listSessions(params.tenantId, params.userId);
  }

  @Delete(':userId/sessions')
  @Requires('tenant.users.manage')
  @ApiRoute({ tag: TAG, summary: 'End all of a user’s sessions', params: userParams, status: 204, errors: { owner_protected: 'forbidden' } })
  async endSessions(@CurrentPrincipal() principal: Principal, @ValidParams() params: UserParams): Promise<void> {
    await this.users.endSessions(principal, params.tenantId, params.userId);
  }
}
