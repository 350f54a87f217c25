import { CurrentPrincipal } from '#access/current-principal.decorator.js';
import type { Principal } from '#access/principal.js';
import { Controller, Get, Post } from '@nestjs/common';
import type { z } from 'zod';
import { Requires } from '#access/requires.decorator.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { ValidBody, ValidParams } from '#platform/api/validation.js';
import { tenantParams } from '../users/user.schemas.js';
import { rotateKeysBody, signingKeyListSchema } from './key.schemas.js';
import { KeyAdministrationService } from './key-administration.service.js';

const TAG = 'Signing keys';

@Controller('api/v1/tenants/:tenantId/keys')
export class KeysController {
  constructor(private readonly keys: KeyAdministrationService) {}

  @Get()
  @Requires('tenant.keys.manage')
  @ApiRoute({ tag: TAG, summary: 'List the tenant’s signing keys (next, active, retired-but-published)', params: tenantParams, response: signingKeyListSchema })
  list(@ValidParams() params: z.output<typeof tenantParams>) {
    return this.keys.list(params.tenantId);
  }

  @Post('rotate')
  @Requires('tenant.keys.manage')
  @ApiRoute({ tag: TAG, summary: 'Stage new signing keys (published now, signing after the publication delay, or at once with now=true)', params: tenantParams, body: rotateKeysBody, response: signingKeyListSchema })
  rotate(@CurrentPrincipal() principal: Principal, @ValidParams() params: z.output<typeof tenantParams>, @ValidBody() body: z.output<typeof rotateKeysBody>) {
    return this.keys.rotate(principal, params.tenantId, body.now ?? false);
  }
}
