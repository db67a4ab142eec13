import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';

/** The document built once at start-up, served at /openapi.json and by the docs page. */
@Injectable()
export class OpenApiDocumentHolder {
  document: OpenAPIObject | undefined;
}
