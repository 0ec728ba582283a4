import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * Generates the OpenAPI document from the route schemas and serves it where DiracX does:
 * the document at /api/openapi.json and interactive docs at /api/docs.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'gridbox',
        description: 'The DiracX API as served by gridbox, a grid in a box.',
        version: packageJson.version,
      },
      components: {
        securitySchemes: {
          OpenIDConnect: {
            type: 'openIdConnect',
            openIdConnectUrl: '/.well-known/openid-configuration',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
