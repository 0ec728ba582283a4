import type { FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { InvalidRequestError } from '../../core/index.ts';
import type { SandboxMetadataDB } from '../../db/index.ts';
import { type SandboxDeps, readSandbox, receiveSandboxUpload } from '../../logic/index.ts';
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
    sandboxDb: app.dbs.get('SandboxMetadataDB') as SandboxMetadataDB,
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
      let data: Buffer | undefined;
      for await (const part of request.parts()) {
        if (part.type === 'file') data = await part.toBuffer();
        else fields[part.fieldname] = String(part.value);
      }
      if (data === undefined) throw new InvalidRequestError('The upload has no file');
      await receiveSandboxUpload(deps(), fields, data);
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
          200: { type: 'string', description: 'The tarball.' },
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

export const sandboxStoreRouter: RouterDefinition = {
  name: 'sandbox-store',
  prefix: '/api/sandbox-store',
  requiresAuth: false,
  plugin,
};
