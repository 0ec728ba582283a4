import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  AddFilesBodySchema,
  AddReplicasBodySchema,
  BulkResultSchema,
  FileMetadataSchema,
  GetReplicasBodySchema,
  LfnListSchema,
  RemoveReplicasBodySchema,
  ReplicaLocationsSchema,
} from '../../core/index.ts';
import {
  addFiles,
  addReplicas,
  getFileMetadata,
  getReplicas,
  removeFiles,
  removeReplicas,
} from '../../logic/index.ts';
import { policyNamed } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';
import type { RouterDefinition } from '../router-definition.ts';
import { depsOf, errors, security, tags } from './common.ts';
import { directoryRoutes } from './directories.ts';

const Registered = BulkResultSchema(Type.Literal(true));
/**
 * Bulk bodies may name CATALOG_MAX_BULK LFNs, each with a PFN: a few MiB, more than the
 * app's default limit, which suits every other route and stays in force for them.
 */
const bodyLimit = 16 * 1024 * 1024;

/**
 * gridbox's file catalog, after DIRAC's File Catalog (DiracX has none yet): LFNs mapped to
 * replicas on storage elements, directories and metadata. Bulk routes answer 200 with
 * DIRAC's `{"Successful": {lfn: …}, "Failed": {lfn: reason}}`; each caller sees and writes
 * only below `/<its VO>`.
 */
const plugin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const policy = policyNamed(app, 'catalog');

  app.post(
    '/files',
    {
      bodyLimit,
      schema: {
        operationId: 'catalog_add_files',
        tags,
        security,
        summary: 'Register files with their first replica; parent directories are created.',
        body: AddFilesBodySchema,
        response: { 200: Registered, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'write');
      return addFiles(depsOf(app), currentUser(request), request.body);
    },
  );

  app.post(
    '/files/remove',
    {
      bodyLimit,
      schema: {
        operationId: 'catalog_remove_files',
        tags,
        security,
        summary: 'Remove files with their replicas; a missing file counts as removed.',
        body: LfnListSchema,
        response: { 200: Registered, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'write');
      return removeFiles(depsOf(app), currentUser(request), request.body.lfns);
    },
  );

  app.post(
    '/files/metadata',
    {
      bodyLimit,
      schema: {
        operationId: 'catalog_get_file_metadata',
        tags,
        security,
        summary: 'Size, checksum, GUID, owner, status and dates of files.',
        body: LfnListSchema,
        response: { 200: BulkResultSchema(FileMetadataSchema), ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return getFileMetadata(depsOf(app), currentUser(request), request.body.lfns);
    },
  );

  app.post(
    '/replicas',
    {
      bodyLimit,
      schema: {
        operationId: 'catalog_add_replicas',
        tags,
        security,
        summary: 'Add replicas of registered files.',
        body: AddReplicasBodySchema,
        response: { 200: Registered, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'write');
      return addReplicas(depsOf(app), currentUser(request), request.body);
    },
  );

  app.post(
    '/replicas/remove',
    {
      bodyLimit,
      schema: {
        operationId: 'catalog_remove_replicas',
        tags,
        security,
        summary: 'Remove replicas; one that is not at that SE counts as removed.',
        body: RemoveReplicasBodySchema,
        response: { 200: Registered, ...errors },
      },
    },
    async (request) => {
      await policy.check(request, 'write');
      return removeReplicas(depsOf(app), currentUser(request), request.body);
    },
  );

  app.post(
    '/replicas/query',
    {
      bodyLimit,
      schema: {
        operationId: 'catalog_get_replicas',
        tags,
        security,
        summary: 'SE → PFN of each file; only AprioriGood replicas unless all_statuses.',
        body: GetReplicasBodySchema,
        response: {
          200: ReplicaLocationsSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      await policy.check(request, 'read');
      return getReplicas(
        depsOf(app),
        currentUser(request),
        request.body.lfns,
        request.body.all_statuses ?? false,
      );
    },
  );

  directoryRoutes(app, policy);
};

export const catalogRouter: RouterDefinition = {
  name: 'catalog',
  prefix: '/api/catalog',
  requiresAuth: true,
  needs: { dbs: ['FileCatalogDB'], policies: ['catalog'] },
  plugin,
};
