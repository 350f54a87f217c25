import { Controller, Get, Patch, Put } from '@nestjs/common';
import type { z } from 'zod';
import { CurrentPrincipal } from '#access/current-principal.decorator.js';
import type { Principal } from '#access/principal.js';
import { Requires } from '#access/requires.decorator.js';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { ValidBody } from '#platform/api/validation.js';
import { userSchema } from '../users/user.schemas.js';
import { changeOwnPasswordBody, selfSchema, updateSelfBody } from './me.schemas.js';
import { SelfServiceService } from './self-service.service.js';

const TAG = 'Self';

@Controller('api/v1/me')
export class MeController {
  constructor(private readonly self: SelfServiceService) {}

  @Get()
  @Requires('self.manage')
  @ApiRoute({ tag: TAG, summary: 'Your account, tenant and roles', response: selfSchema })
  get(@CurrentPrincipal() principal: Principal) {
    return this.self.get(principal);
  }

  @Patch()
  @Requires('self.manage')
  @ApiRoute({ tag: TAG, summary: 'Change your profile', body: updateSelfBody, response: userSchema })
  update(@CurrentPrincipal() principal: Principal, @ValidBody() body: z.output<typeof updateSelfBody>) {
    return this.self.updateProfile(principal, body);
  }

  @Put('password')
  @Requires('self.manage')
  @ApiRoute({ tag: TAG, summary: 'Change your password (ends your other sessions)', body: changeOwnPasswordBody, status: 204, errors: { current_password_incorrect: 'invalid_input' } })
  async changePassword(@CurrentPrincipal() principal: Principal, @ValidBody() body: z.output<typeof changeOwnPasswordBody>): Promise<void> {
    await this.self.changePassword(principal, body.current_password, body.new_password);
  }
}
