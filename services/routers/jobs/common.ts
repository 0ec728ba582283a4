import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { GridboxError, errorCatalogue } from '../../core/index.ts';
import { ErrorSchema, ValidationErrorSchema } from '../schemas.ts';

/** The jobs system's app, typed by its TypeBox schemas. */
export type JobsApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const tags = ['jobs'];
export const security = [{ OpenIdConnect: [] }];

/** The error responses every jobs route declares. */
export const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  422: ValidationErrorSchema,
};

/**
 * DiracX's answer when a bulk route could act on none of the jobs: the status of a catalogue
 * error, with the route's whole report as `detail` where other errors put a message.
 */
export class JobsReportError extends GridboxError {
  constructor(code: 'GBX_NOT_FOUND' | 'GBX_INVALID_REQUEST', message: string, report: object) {
    super(code, errorCatalogue[code].status, message, {}, { detail: report });
  }
}
