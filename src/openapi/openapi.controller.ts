import { Controller, Get } from '@nestjs/common';
import { Public } from '../api/http/auth.guard.js';
import { Route } from './route.decorator.js';
import { OpenApiDocumentHolder } from './openapi-document.holder.js';

@Controller()
@Public()
export class OpenApiController {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  @Get('openapi.json')
  @Route({ operationId: 'getOpenApiDocument', summary: 'This OpenAPI document', tag: 'meta', responses: { 200: null }, public: true })
  document() {
    return this.holder.document;
  }
}
