import { Controller, Get, Header } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { z } from 'zod';
import { ApiRoute } from '#platform/api/api-route.decorator.js';
import { PublicRoute } from '#platform/api/route-access.js';
import { adminOpenApiDocument } from './openapi-document.js';

/** Serves the admin API's OpenAPI 3.1 document, generated from the routes at first use. */
@Controller('api/v1')
export class OpenApiController {
  private document: Record<string, unknown> | undefined;

  constructor(private readonly modules: ModulesContainer) {}

  @Get('openapi.json')
  @PublicRoute()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiRoute({ tag: 'Meta', summary: 'This OpenAPI document', response: z.record(z.string(), z.unknown()) })
  openapi(): Record<string, unknown> {
    this.document ??= adminOpenApiDocument(this.modules);
    return this.document;
  }
}
