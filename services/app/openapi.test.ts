import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/index.ts';
import { hoistNamedSchemas } from './openapi.ts';
import { testBox } from './test-box.testkit.ts';

/**
 * Every operation of DiracX 0.7.0's generated client (diracx-client 0.7.0, its request
 * builders): method, path and operationId.
 */
const DIRACX_OPERATIONS = [
  ['GET', '/.well-known/openid-configuration', 'well_known_get_openid_configuration'],
  ['GET', '/.well-known/jwks.json', 'well_known_get_jwks'],
  ['GET', '/.well-known/dirac-metadata', 'well_known_get_installation_metadata'],
  ['GET', '/.well-known/security.txt', 'well_known_get_security_txt'],
  ['POST', '/api/auth/device', 'auth_initiate_device_flow'],
  ['GET', '/api/auth/device', 'auth_do_device_flow'],
  ['GET', '/api/auth/device/complete', 'auth_finish_device_flow'],
  ['GET', '/api/auth/device/complete/finished', 'auth_finished'],
  ['GET', '/api/auth/refresh-tokens', 'auth_get_refresh_tokens'],
  ['DELETE', '/api/auth/refresh-tokens/{jti}', 'auth_revoke_refresh_token_by_jti'],
  ['GET', '/api/auth/userinfo', 'auth_userinfo'],
  ['GET', '/api/auth/authorize', 'auth_initiate_authorization_flow'],
  ['GET', '/api/auth/authorize/complete', 'auth_complete_authorization_flow'],
  ['GET', '/api/config/', 'config_serve_config'],
  ['POST', '/api/jobs/sandbox', 'jobs_initiate_sandbox_upload'],
  ['GET', '/api/jobs/sandbox', 'jobs_get_sandbox_file'],
  ['GET', '/api/jobs/{job_id}/sandbox', 'jobs_get_job_sandboxes'],
  ['DELETE', '/api/jobs/{job_id}/sandbox', 'jobs_unassign_job_sandboxes'],
  ['GET', '/api/jobs/{job_id}/sandbox/{sandbox_type}', 'jobs_get_job_sandbox'],
  ['PATCH', '/api/jobs/{job_id}/sandbox/output', 'jobs_assign_sandbox_to_job'],
  ['POST', '/api/jobs/sandbox/unassign', 'jobs_unassign_bulk_jobs_sandboxes'],
  ['PATCH', '/api/jobs/status', 'jobs_set_job_statuses'],
  ['PATCH', '/api/jobs/heartbeat', 'jobs_add_heartbeat'],
  ['POST', '/api/jobs/reschedule', 'jobs_reschedule_jobs'],
  ['PATCH', '/api/jobs/metadata', 'jobs_patch_metadata'],
  ['POST', '/api/jobs/search', 'jobs_search'],
  ['POST', '/api/jobs/summary', 'jobs_summary'],
  ['POST', '/api/jobs/jdl', 'jobs_submit_jdl_jobs'],
  ['POST', '/api/pilots/', 'pilots_register_pilot'],
  ['PATCH', '/api/pilots/metadata', 'pilots_update_pilot_metadata'],
  ['POST', '/api/pilots/search', 'pilots_search'],
  ['POST', '/api/pilots/summary', 'pilots_summary'],
  ['GET', '/api/rss/storage', 'rss_get_storage_status'],
  ['GET', '/api/rss/compute', 'rss_get_compute_status'],
  ['GET', '/api/rss/site', 'rss_get_site_status'],
  ['GET', '/api/rss/fts', 'rss_get_fts_status'],
] as const;

/**
 * Where DiracX's document names a request body or a success response, by operationId, in
 * the generated client's own notation: `X` a named schema, `[X]` an array of it, `{X}` a
 * map to it. The token and revocation routes are in DiracX's document though its client
 * reaches them through hand-written code.
 */
const DIRACX_NAMED: Record<string, { body?: string; response?: string }> = {
  well_known_get_openid_configuration: { response: 'OpenIDConfiguration' },
  well_known_get_installation_metadata: { response: 'Metadata' },
  auth_initiate_device_flow: { response: 'InitiateDeviceFlowResponse' },
  auth_userinfo: { response: 'UserInfoResponse' },
  auth_get_oidc_token: { body: 'Body_auth_get_oidc_token', response: 'TokenResponse' },
  auth_revoke_refresh_token_by_refresh_token: {
    body: 'Body_auth_revoke_refresh_token_by_refresh_token',
  },
  jobs_initiate_sandbox_upload: { body: 'SandboxInfo', response: 'SandboxUploadResponse' },
  jobs_get_sandbox_file: { response: 'SandboxDownloadResponse' },
  jobs_unassign_bulk_jobs_sandboxes: { body: 'Body_jobs_unassign_bulk_jobs_sandboxes' },
  jobs_set_job_statuses: { body: '{{JobStatusUpdate}}', response: 'SetJobStatusReturn' },
  jobs_add_heartbeat: { body: '{HeartbeatData}', response: '[JobCommand]' },
  jobs_reschedule_jobs: { body: 'Body_jobs_reschedule_jobs' },
  jobs_patch_metadata: { body: '{JobMetaData}' },
  jobs_search: { body: 'SearchParams' },
  jobs_summary: { body: 'SummaryParams' },
  jobs_submit_jdl_jobs: { response: '[InsertedJob]' },
  pilots_register_pilot: { body: 'PilotRegistrationParams' },
  pilots_update_pilot_metadata: { body: '{PilotMetadata}' },
  pilots_search: { body: 'SearchParams' },
  pilots_summary: { body: 'SummaryParams' },
  rss_get_storage_status: { response: '{StorageElementStatus}' },
  rss_get_compute_status: { response: '{ComputeElementStatus}' },
  rss_get_site_status: { response: '{SiteStatus}' },
  rss_get_fts_status: { response: '{FTSStatus}' },
};

/** The component schemas of DiracX 0.7.0's document (its pydantic and FastAPI models). */
const DIRACX_SCHEMAS = [
  'AllowedStatus',
  'BannedStatus',
  'Body_auth_get_oidc_token',
  'Body_auth_revoke_refresh_token_by_refresh_token',
  'Body_jobs_reschedule_jobs',
  'Body_jobs_unassign_bulk_jobs_sandboxes',
  'ChecksumAlgorithm',
  'ComputeElementStatus',
  'FTSStatus',
  'GroupInfo',
  'HTTPValidationError',
  'HeartbeatData',
  'InitiateDeviceFlowResponse',
  'InsertedJob',
  'JobCommand',
  'JobMetaData',
  'JobStatus',
  'JobStatusUpdate',
  'Metadata',
  'OpenIDConfiguration',
  'PilotMetadata',
  'PilotRegistrationParams',
  'PilotStatus',
  'SandboxDownloadResponse',
  'SandboxFormat',
  'SandboxInfo',
  'SandboxType',
  'SandboxUploadResponse',
  'ScalarSearchOperator',
  'ScalarSearchSpec',
  'SearchParams',
  'SetJobStatusReturn',
  'SetJobStatusReturnSuccess',
  'SiteStatus',
  'SortDirection',
  'SortSpec',
  'StorageElementStatus',
  'SummaryParams',
  'SupportInfo',
  'TokenResponse',
  'UserInfoResponse',
  'VOInfo',
  'ValidationError',
  'VectorSearchOperator',
  'VectorSearchSpec',
];

type Schema = Record<string, unknown>;
type Operation = {
  operationId: string;
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
};

const REF = '#/components/schemas/';

/** A schema in the generated client's notation; anything not named is `inline`. */
function shape(schema: Schema): string {
  if (typeof schema.$ref === 'string') return schema.$ref.slice(REF.length);
  if (schema.type === 'array') return `[${shape(schema.items as Schema)}]`;
  if (
    schema.type === 'object' &&
    schema.properties === undefined &&
    typeof schema.additionalProperties === 'object'
  )
    return `{${shape(schema.additionalProperties as Schema)}}`;
  return 'inline';
}

const bodyOf = (operation: Operation) =>
  Object.values(operation.requestBody?.content ?? {}).map((media) => shape(media.schema));
const successOf = (operation: Operation) =>
  Object.entries(operation.responses)
    .filter(([status]) => /^2/.test(status))
    .flatMap(([, response]) => Object.values(response.content ?? {}))
    .map((media) => shape(media.schema));

async function gridboxDocument(): Promise<Document> {
  await using box = await testBox({
    fixtures: generateFixtures({ seed: 7, size: 'small' }),
    configModifiedMs: Date.UTC(2026, 0, 1),
  });
  return (await box.app.inject('/api/openapi.json')).json();
}

const document = await gridboxDocument();
const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
  Object.entries(byMethod).map(([method, operation]) => ({
    method: method.toUpperCase(),
    path,
    operation,
  })),
);
const byId = new Map(operations.map((entry) => [entry.operation.operationId, entry]));

describe("the OpenAPI document, next to DiracX 0.7.0's", () => {
  it.each(DIRACX_OPERATIONS)('%s %s is %s', (method, path, operationId) => {
    const entry = byId.get(operationId);
    expect(entry && { method: entry.method, path: entry.path }).toEqual({ method, path });
  });

  it.each(Object.entries(DIRACX_NAMED))('%s uses named schemas as DiracX', (id, named) => {
    const operation = byId.get(id)?.operation;
    expect(operation).toBeDefined();
    expect({ body: bodyOf(operation!), response: successOf(operation!) }).toEqual({
      body: named.body === undefined ? bodyOf(operation!) : [named.body],
      response: named.response === undefined ? successOf(operation!) : [named.response],
    });
  });

  it("names DiracX's schemas under components/schemas", () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(DIRACX_SCHEMAS),
    );
    const names = Object.keys(document.components.schemas);
    const refs = [
      ...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g),
    ];
    for (const [, name] of refs) expect(names).toContain(name);
  });

  it('leaves no named schema inline in any operation', () => {
    expect(JSON.stringify(document.paths)).not.toMatch(/"title":/);
  });

  it('refers to schemas nested in the named ones by name too', () => {
    const { schemas } = document.components;
    const property = (name: string, key: string) =>
      shape((schemas[name]!.properties as Record<string, Schema>)[key]!);
    expect(property('SandboxInfo', 'format')).toBe('SandboxFormat');
    expect(property('SandboxInfo', 'checksum_algorithm')).toBe('ChecksumAlgorithm');
    expect(property('SearchParams', 'sort')).toBe('[SortSpec]');
    expect(property('SortSpec', 'direction')).toBe('SortDirection');
    expect(property('SetJobStatusReturn', 'success')).toBe('{SetJobStatusReturnSuccess}');
    expect(property('JobStatusUpdate', 'Status')).toBe('JobStatus');
    expect(property('PilotMetadata', 'Status')).toBe('PilotStatus');
    expect(property('HTTPValidationError', 'detail')).toBe('[ValidationError]');
    expect(property('Metadata', 'virtual_organizations')).toBe('{VOInfo}');
    expect(property('VOInfo', 'support')).toBe('SupportInfo');
    const parameter = byId
      .get('jobs_get_job_sandbox')!
      .operation.parameters!.find((p) => p.name === 'sandbox_type')!;
    expect(shape(parameter.schema)).toBe('SandboxType');
  });

  it('answers 422 with HTTPValidationError wherever it declares one', () => {
    const other = operations.flatMap(({ method, path, operation }) => {
      const media = operation.responses['422']?.content ?? {};
      return Object.values(media)
        .map((m) => shape(m.schema))
        .filter((s) => s !== 'HTTPValidationError')
        .map((s) => `${method} ${path}: ${s}`);
    });
    expect(other).toEqual([]);
  });

  it('names the security scheme OpenIdConnect, as DiracX, and every secured route uses it', () => {
    expect(Object.keys(document.components.securitySchemes)).toEqual(['OpenIdConnect']);
    const schemes = new Set(
      operations.flatMap(({ operation }) =>
        (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)),
      ),
    );
    expect([...schemes]).toEqual(['OpenIdConnect']);
  });
});

describe('hoistNamedSchemas', () => {
  const object = (title: string, extra: Schema = {}) => ({
    type: 'object',
    title,
    properties: { a: { type: 'string' } },
    ...extra,
  });
  const pathsWith = (...schemas: Schema[]) => ({
    '/x': {
      post: Object.fromEntries(schemas.map((schema, i) => [`s${i}`, schema])),
    },
  });

  it('puts one schema under its title once, refers to it everywhere, keeps defaults at the use', () => {
    const result = hoistNamedSchemas({
      openapiObject: {
        paths: pathsWith(
          object('A'),
          { type: 'array', items: object('A') },
          object('A', { default: {} }),
        ),
        components: { schemas: {} },
      },
    });
    expect(result.paths).toEqual(
      pathsWith(
        { $ref: `${REF}A` },
        { type: 'array', items: { $ref: `${REF}A` } },
        { $ref: `${REF}A`, default: {} },
      ),
    );
    expect(result.components.schemas).toEqual({ A: object('A') });
  });

  it('refuses two different schemas under one title', () => {
    expect(() =>
      hoistNamedSchemas({
        openapiObject: { paths: pathsWith(object('A'), object('A', { required: ['a'] })) },
      }),
    ).toThrow(/two different schemas are named A/);
  });

  it('leaves a property called title alone', () => {
    const schema = { type: 'object', properties: { title: { type: 'string' } } };
    const result = hoistNamedSchemas({
      openapiObject: { paths: pathsWith(schema), components: { schemas: {} } },
    });
    expect(result.paths).toEqual(pathsWith(schema));
    expect(result.components.schemas).toEqual({});
  });
});
