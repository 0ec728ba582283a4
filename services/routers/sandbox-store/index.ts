import type { FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { GridboxError, InvalidRequestError } from '../../core/index.ts';
import {
  type SandboxDeps,
  checkSandboxUpload,
  readSandbox,
  receiveSandboxUpload,
} from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { ErrorSchema } from '../schemas.ts';

/**
 * The sandbox store's own endpoints, standing where DiracX's S3 bucket stands: uploads and
 * downloads authorised by the signed URLs the jobs API hands out, not by bearer tokens
 * (the token must never reach the store, as DiracX arranges with presigned URLs).
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  const settings = fastify.sandboxes.settings;
  await fastify.register(multipart, {
    limits: { fileSize: settings.maxSizeBytes, files: 1, fields: 10, fieldSize: 1024 },
  });
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'open');
  const deps = (): SandboxDeps => ({
    sandboxDb: app.dbs.get('SandboxMetadataDB'),
    store: app.sandboxes.store,
    settings,
    clock: app.clock,
  });

  app.post(
    '/upload',
    {
      schema: {
        operationId: 'sandbox_store_upload',
        tags: ['sandbox-store'],
        summary: 'Upload a sandbox: the form fields from POST /api/jobs/sandbox, then the file.',
        consumes: ['multipart/form-data'],
        response: {
          204: { type: 'null', description: 'Stored.' },
          400: ErrorSchema,
          403: ErrorSchema,
          406: ErrorSchema,
          413: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'create');
      const fields: Record<string, string> = {};
      let stored = false;
      try {
        // The fields come first and are checked as soon as the file starts: a forged upload
        // is refused before its bytes are read, a genuine one streamed into the store.
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (stored) throw new InvalidRequestError('The upload has more than one file');
            await receiveSandboxUpload(deps(), checkSandboxUpload(deps(), fields), part.file);
            stored = true;
          } else fields[part.fieldname] = String(part.value);
        }
      } catch (error) {
        // The rest of a refused body is not read: the connection closes after the answer.
        reply.header('connection', 'close');
        throw multipartError(error);
      }
      if (!stored) throw new InvalidRequestError('The upload has no file');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/download',
    {
      schema: {
        operationId: 'sandbox_store_download',
        tags: ['sandbox-store'],
        summary: 'Download a sandbox through a URL from GET /api/jobs/sandbox.',
        querystring: Type.Object({
          key: Type.String({ maxLength: 512 }),
          expires: Type.String({ maxLength: 20 }),
          signature: Type.String({ maxLength: 100 }),
        }),
        response: {
          200: {
            description: 'The tarball.',
            content: { 'application/octet-stream': { schema: { type: 'string' } } },
          },
          403: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'read');
      const data = await readSandbox(deps(), request.query);
      // Bytes, not JSON: the response schema documents them, the serializer leaves them alone.
      return reply.type('application/octet-stream').send(Buffer.from(data) as unknown as string);
    },
  );
};

/**
 * A body busboy cannot parse (no boundary, a cut or garbled part) is the client's mistake:
 * its errors carry no status, so they would become 500s; they get 400 and busboy's reason.
 */
function multipartError(error: unknown): unknown {
  if (error instanceof GridboxError) return error;
  const { statusCode, message } = error as { statusCode?: unknown; message?: unknown };
  if (statusCode === undefined && typeof message === 'string' && BUSBOY_ERROR.test(message))
    return new InvalidRequestError(`Malformed multipart/form-data body: ${message}`);
  return error;
}

/** busboy's messages for a body it cannot parse; a "needle" is the boundary (empty or too long). */
const BUSBOY_ERROR =
  /^(Multipart: |Malformed |Unexpected end of |Boundary required|The needle )|terminated early/;

export const sandboxStoreRouter: RouterDefinition = {
  name: 'sandbox-store',
  prefix: '/api/sandbox-store',
  requiresAuth: false,
  needs: { dbs: ['SandboxMetadataDB'], policies: ['open'] },
  plugin,
};
