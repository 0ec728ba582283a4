import type { FastifyInstance, RouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Type from 'typebox';
import packageJson from '../../package.json' with { type: 'json' };
import { ValidationErrorSchema } from '../routers/index.ts';

/**
 * Generates the OpenAPI document from the route schemas and serves it where DiracX does:
 * the document at /api/openapi.json and interactive docs at /api/docs.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  // Before @fastify/swagger's own onRoute hook, so that the document shows these too.
  app.addHook('onRoute', declareFrameworkErrors);
  await app.register(swagger, {
    transform: ({ schema, url }) => ({ schema: documentedRequest(schema), url }),
    transformObject: (document) =>
      'openapiObject' in document ? hoistNamedSchemas(document) : document.swaggerObject,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'gridbox',
        description: 'The DiracX API as served by gridbox, a grid in a box.',
        version: packageJson.version,
      },
      components: {
        securitySchemes: {
          OpenIdConnect: {
            type: 'openIdConnect',
            openIdConnectUrl: '/.well-known/openid-configuration',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    // The Authorize button runs the authorization-code flow as DiracX's client, with the
    // PKCE the box requires.
    initOAuth: { clientId: 'myDIRACClientID', usePkceWithAuthorizationCodeGrant: true },
  });
  // A newcomer opening the bare URL lands on the docs rather than a 404.
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/api/docs', 302));
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
}

const detail = (description: string) => Type.Object({ detail: Type.String() }, { description });

/** Methods whose requests Fastify reads a body for (and so may refuse it). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Statuses that Fastify and Node answer on any route before its handler runs, declared on
 * every route here rather than in each route's schema: a request Node or the router cannot
 * read (400), a URL or path parameter longer than Node or the router take (414), headers over
 * Node's limit (431), a request that does not match the route's schema (422) and, where a
 * body is read, one that is not valid JSON (400), too large (413) or of a type the route does
 * not take (415). A route's own schema for a status wins.
 */
function declareFrameworkErrors(route: RouteOptions): void {
  const schema = route.schema;
  if (schema === undefined || schema.hide === true) return;
  const methods = [route.method].flat();
  const hasBody = methods.some((method) => BODY_METHODS.has(method));
  const validated = ['body', 'querystring', 'params', 'headers'].some((part) => part in schema);
  const extra: Record<number, unknown> = {
    400: detail('The request could not be read.'),
    414: detail('The URL, or a path parameter, is too long.'),
    ...(hasBody
      ? {
          413: detail('The request body is too large.'),
          415: detail('The request body has a content type this route does not take.'),
        }
      : {}),
    ...(validated ? { 422: ValidationErrorSchema } : {}),
    431: detail('The request headers are too large.'),
  };
  route.schema = { ...schema, response: { ...extra, ...(schema.response as object) } };
}

const REQUEST_PARTS = ['body', 'querystring', 'params', 'headers'] as const;

/**
 * The request schemas as the document should state them, where @fastify/swagger's
 * conversion would say something other than what the route validates:
 * 1. a record whose keys must match a pattern (`patternProperties` with no other keys
 *    allowed) becomes `additionalProperties` in the document, and the pattern is lost;
 *    `propertyNames` keeps it;
 * 2. a property with a default is filled in when missing, so a client may leave it out,
 *    though TypeBox lists it as required.
 */
function documentedRequest<T>(schema: T): T {
  if (schema === undefined || schema === null) return schema;
  const copy = { ...schema } as Record<string, unknown>;
  for (const part of REQUEST_PARTS) {
    if (copy[part] !== undefined) copy[part] = documentedNode(copy[part]);
  }
  return copy as T;
}

function documentedNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(documentedNode);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, documentedNode(value)]),
  );
  const patterns = out.patternProperties as Record<string, unknown> | undefined;
  if (
    patterns !== undefined &&
    Object.keys(patterns).length === 1 &&
    out.additionalProperties === false &&
    out.propertyNames === undefined
  ) {
    const [[pattern, value]] = Object.entries(patterns) as [[string, unknown]];
    delete out.patternProperties;
    out.propertyNames = { pattern };
    out.additionalProperties = value;
  }
  const properties = out.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out.required) && properties !== undefined) {
    const required = (out.required as string[]).filter(
      (name) => properties[name]?.default === undefined,
    );
    if (required.length === 0) delete out.required;
    else out.required = required;
  }
  return out;
}

type OpenApiObject = {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
};

/**
 * Puts every schema that has a `title` once under components/schemas, by that title, and
 * refers to it with `$ref` wherever the operations use it, as FastAPI does for DiracX's
 * pydantic models: a client generated from the document gets named types (`SandboxInfo`,
 * `JobSearchParams`, ...) rather than anonymous ones. The titles are given on the route
 * schemas (as DiracX's model names); route validation never sees this document.
 * Two different schemas under one title would make a wrong document, so that throws.
 */
export function hoistNamedSchemas<T extends OpenApiObject>({
  openapiObject,
}: {
  openapiObject: T;
}): T {
  const named: Record<string, unknown> = { ...openapiObject.components?.schemas };
  const texts = new Map<string, string>();
  const hoist = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(hoist);
    if (node === null || typeof node !== 'object') return node;
    const out = Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, hoist(value)]),
    ) as Record<string, unknown>;
    const title = out.title;
    if (typeof title !== 'string' || !['type', 'anyOf', 'enum', 'const'].some((key) => key in out))
      return out;
    // A default belongs to where the schema is used (pydantic puts it beside the $ref).
    const { default: fallback, ...schema } = out;
    const text = JSON.stringify(schema);
    const known = texts.get(title);
    if (known === undefined) {
      texts.set(title, text);
      named[title] = schema;
    } else if (known !== text) {
      throw new Error(`two different schemas are named ${title} in the OpenAPI document`);
    }
    const ref = { $ref: `#/components/schemas/${title}` };
    return fallback === undefined ? ref : { ...ref, default: fallback };
  };
  const paths = hoist(openapiObject.paths) as Record<string, unknown> | undefined;
  return {
    ...openapiObject,
    paths,
    components: {
      ...openapiObject.components,
      schemas: Object.fromEntries(Object.entries(named).sort(([a], [b]) => a.localeCompare(b))),
    },
  } as T;
}
