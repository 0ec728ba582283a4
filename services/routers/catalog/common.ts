import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type CatalogDeps, requireConfig } from '../../logic/index.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';

/** The catalog's app, typed by its TypeBox schemas. */
export type CatalogApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const tags = ['catalog'];
export const security = [{ OpenIdConnect: [] }];
export const errors = { 401: ErrorSchema, 403: ErrorSchema, 422: ValidationErrorSchema };
export const pathErrors = { ...errors, 400: ErrorSchema, 404: ErrorSchema };
export const Done = { type: 'null', description: 'Done.' } as const;

export function depsOf(app: FastifyInstance): CatalogDeps {
  return {
    fileCatalogDb: app.dbs.get('FileCatalogDB'),
    config: requireConfig(app.configSource).config,
    clock: app.clock,
  };
}
