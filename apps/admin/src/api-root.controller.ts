import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { PublicRoute } from '#platform/api/route-access.js';

const apiRootSchema = z.object({ name: z.string(), version: z.string(), openapi: z.string() });

/** GET /api/v1: identifies the admin API, so a caller can check it reached the right plane. */
@Controller('api/v1')
export class ApiRootController {
  @Get()
  @PublicRoute()
  @ApiRoute({ tag: 'Meta', summary: 'Identify the admin API', response: apiRootSchema })
  root(): z.output<typeof apiRootSchema> {
    return { name: 'OpenTrusty admin API', version: 'v1', openapi: '/api/v1/openapi.json' };
  }
}
