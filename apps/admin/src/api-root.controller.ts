import { Controller, Get } from '@nestjs/common';

/** GET /api/v1: identifies the admin API, so a caller can check it reached the right plane. */
@Controller('api/v1')
export class ApiRootController {
  @Get()
  root(): { name: string; version: string } {
    return { name: 'OpenTrusty admin API', version: 'v1' };
  }
}
