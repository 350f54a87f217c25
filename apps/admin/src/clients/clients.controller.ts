import { CurrentPrincipal } from '#access/current-principal.decorator.js';
import type { Principal } from '#access/principal.js';
import { Controller, Delete, Get, Patch, Post } from '@nestjs/common';
import type { z } from 'zod';
import { Requires } from '#access/requires.decorator.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { ValidBody, ValidParams, ValidQuery } from '#platform/api/validation.js';
import { tenantParams } from '../users/user.schemas.js';
import {
  clientPageSchema,
  clientParams,
  clientSchema,
  clientSecretSchema,
  createClientBody,
  createdClientSchema,
  listClientsQuery,
  updateClientBody,
} from './client.schemas.js';
import { ClientAdministrationService } from './client-administration.service.js';

const TAG = 'OAuth clients';
type ClientParams = z.output<typeof clientParams>;

@Controller('api/v1/tenants/:tenantId/clients')
export class ClientsController {
  constructor(private readonly clients: ClientAdministrationService) {}

  @Post()
  @Requires('tenant.clients.manage')
  @ApiRoute({ tag: TAG, summary: 'Register a client (a confidential client’s secret is shown only in this response)', params: tenantParams, body: createClientBody, response: createdClientSchema, status: 201, errors: { invalid_client_metadata: 'invalid_input' } })
  create(@CurrentPrincipal() principal: Principal, @ValidParams() params: z.output<typeof tenantParams>, @ValidBody() body: z.output<typeof createClientBody>) {
    return this.clients.create(principal, params.tenantId, body);
  }

  @Get()
  @Requires('tenant.clients.manage')
  @ApiRoute({ tag: TAG, summary: 'List clients (filter by status)', params: tenantParams, query: listClientsQuery, response: clientPageSchema })
  list(@ValidParams() params: z.output<typeof tenantParams>, @ValidQuery() query: z.output<typeof listClientsQuery>) {
    return this.clients.list(params.tenantId, { status: query.status }, query.limit ?? 50, query.cursor);
  }

  @Get(':clientId')
  @Requires('tenant.clients.manage')
  @ApiRoute({ tag: TAG, summary: 'Read a client', params: clientParams, response: clientSchema })
  get(@ValidParams() params: ClientParams) {
    return this.clients.get(params.tenantId, params.clientId);
  }

  @Patch(':clientId')
  @Requires('tenant.clients.manage')
  @ApiRoute({ tag: TAG, summary: 'Change a client’s registration, roles or status (disabling revokes its tokens)', params: clientParams, body: updateClientBody, response: clientSchema, errors: { invalid_client_metadata: 'invalid_input' } })
  update(@CurrentPrincipal() principal: Principal, @ValidParams() params: ClientParams, @ValidBody() body: z.output<typeof updateClientBody>) {
    return this.clients.update(principal, params.tenantId, params.clientId, body);
  }

  @Delete(':clientId')
  @Requires('tenant.clients.manage')
  @ApiRoute({ tag: TAG, summary: 'Delete a client (soft; revokes its access and refresh tokens)', params: clientParams, status: 204 })
  async delete(@CurrentPrincipal() principal: Principal, @ValidParams() params: ClientParams): Promise<void> {
    await this.clients.delete(principal, params.tenantId, params.clientId);
  }

  @Post(':clientId/secret')
  @Requires('tenant.clients.manage')
  @ApiRoute({ tag: TAG, summary: 'Replace a confidential client’s secret (the old one stops working at once)', params: clientParams, response: clientSecretSchema, errors: { public_client_has_no_secret: 'conflict' } })
  rotateSecret(@CurrentPrincipal() principal: Principal, @ValidParams() params: ClientParams) {
    return this.clients.rotateSecret(principal, params.tenantId, params.clientId);
  }
}
