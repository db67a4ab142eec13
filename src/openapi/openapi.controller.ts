import { Controller, Get } from '@nestjs/common';
import { Route } from './route.decorator.js';
import { OpenApiDocumentHolder } from './openapi-document.holder.js';

@Controller()
export class OpenApiController {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  @Get('openapi.json')
  @Route({
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    tag: 'meta',
    responses: { 200: null },
    access: 'public',
  })
  document() {
    return this.holder.document;
  }
}
