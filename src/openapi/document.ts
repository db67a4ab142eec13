import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import '../api/schemas.js';
import '../api/mltasks/mltask-schemas.js';
import '../api/clouds/cloud.schemas.js';

/** Request bodies are documented as clients send them (defaults optional); the rest as served. */
const INPUT_SCHEMAS = new Set([
  'ClusterCreateRequest',
  'ClusterPatchRequest',
  'ScaleNodePoolRequest',
  'ProjectCreateRequest',
  'TokenCreateRequest',
  'MLTaskCreateRequest',
  'CloudCreateRequest',
]);

export const API_VERSION = '0.1.0';

function componentSchemas(): Record<string, unknown> {
  const uri = (id: string) => `#/components/schemas/${id}`;
  const input = z.toJSONSchema(z.globalRegistry, {
    io: 'input',
    uri,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  const output = z.toJSONSchema(z.globalRegistry, {
    io: 'output',
    uri,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  const schemas: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(output.schemas)) {
    const chosen = INPUT_SCHEMAS.has(id) ? input.schemas[id] : schema;
    const { $schema: _s, $id: _i, ...rest } = chosen as Record<string, unknown>;
    schemas[id] = rest;
  }
  return schemas;
}

/** The OpenAPI 3.1 document: routes from the controllers, schemas from the zod registry. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('kaas API')
    .setDescription(
      'Kubernetes as a Service: create, scale and delete tenant clusters. Long work answers 202 with an Operation; errors are RFC 9457 problem details.',
    )
    .setVersion(API_VERSION)
    .addSecurity('bearer', { type: 'http', scheme: 'bearer', description: 'An API token: kaas_…' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controller, method) => method,
  });
  document.openapi = '3.1.0';
  document.components = { ...document.components, schemas: componentSchemas() as never };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as Record<string, unknown>[]) {
      const types = operation['x-kaas-content-types'] as string[] | undefined;
      const body = operation.requestBody as { content?: Record<string, unknown> } | undefined;
      if (types && body?.content) {
        const schema = Object.values(body.content)[0];
        body.content = Object.fromEntries(types.map((t) => [t, schema]));
        delete operation['x-kaas-content-types'];
      }
    }
  }
  return document;
}
