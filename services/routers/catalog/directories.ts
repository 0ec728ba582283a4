import {
  DirectoryListingSchema,
  DirectoryPathSchema,
  FindFilesBodySchema,
  FoundFilesSchema,
  SetMetadataBodySchema,
} from '../../core/index.ts';
import {
  createDirectory,
  findFilesByMetadata,
  listDirectory,
  setMetadata,
} from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';
import { ErrorSchema } from '../schemas.ts';
import { type CatalogApp, Done, depsOf, errors, pathErrors, security, tags } from './common.ts';

/** The catalog's namespace: directories, their metadata, and the search by metadata. */
export function directoryRoutes(app: CatalogApp, policy: AccessPolicy): void {
  app.get(
    '/directory',
    {
      schema: {
        operationId: 'catalog_list_directory',
        tags,
        security,
        summary: 'The subdirectories and files of a directory.',
        querystring: DirectoryPathSchema,
        response: { 200: DirectoryListingSchema, ...pathErrors },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return listDirectory(depsOf(app), currentUser(request), request.query.path);
    },
  );

  app.put(
    '/directory',
    {
      schema: {
        operationId: 'catalog_create_directory',
        tags,
        security,
        summary: 'Create a directory and its parents; creating an existing one is a no-op.',
        body: DirectoryPathSchema,
        response: { 204: Done, 409: ErrorSchema, ...errors, 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'write');
      await createDirectory(depsOf(app), currentUser(request), request.body.path);
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/metadata',
    {
      schema: {
        operationId: 'catalog_set_metadata',
        tags,
        security,
        summary: 'Set metadata on a directory (inherited below it) or a file.',
        body: SetMetadataBodySchema,
        response: { 204: Done, ...pathErrors },
      },
    },
    async (request, reply) => {
      await policy.check(request, 'write');
      await setMetadata(
        depsOf(app),
        currentUser(request),
        request.body.path,
        request.body.metadata,
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/find',
    {
      schema: {
        operationId: 'catalog_find_files_by_metadata',
        tags,
        security,
        summary: 'The files below a directory whose metadata equals every given value.',
        body: FindFilesBodySchema,
        response: {
          200: FoundFilesSchema,
          400: ErrorSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return {
        lfns: await findFilesByMetadata(
          depsOf(app),
          currentUser(request),
          request.body.path,
          request.body.metadata,
        ),
      };
    },
  );
}
