import type { FastifyBaseLogger, FastifyInstance, FastifyReply, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';

/** The auth system's app, typed by its TypeBox schemas. */
export type AuthApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const tags = ['auth'];
export const security = [{ OpenIdConnect: [] }];

/** DiracX answers some routes with a bare JSON string; Fastify would send a string as text. */
export const jsonString = (reply: FastifyReply, text: string) =>
  reply.type('application/json; charset=utf-8').send(JSON.stringify(text));

/** Error responses by status, for route schemas. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, s === 422 ? ValidationErrorSchema : ErrorSchema]));
