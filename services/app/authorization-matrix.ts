/**
 * Who may call which route: the table every operation of the OpenAPI document is checked
 * against (authorization-matrix.test.ts), and that `gridbox validate-extension` runs on a box
 * with extensions and on gridbox alone to compare their decisions. A route missing here fails
 * that test, so a new route cannot ship without saying who may use it.
 *
 * Every request targets VO A's data (the `Seed`): the owner's job, matched to the "own"
 * pilot; the owner's sandbox and refresh token; the own pilot's record. For routes that
 * take an access token, the callers listed may use the route (any answer but 401/403),
 * every other caller holding a valid token gets 403, and no token or a forged one gets 401.
 * Catalog bulk routes refuse LFNs of another VO one by one inside a 200 (DIRAC's
 * Successful/Failed), so there a caller of another VO is "allowed" the route.
 * authorization-matrix-run.ts seeds a box and sends the requests.
 */

/** Callers holding a valid access token. */
export const TOKEN_HOLDERS = [
  /** A user of VO A who owns the job, the sandbox and the refresh token. */
  'owner',
  /** Another user of VO A. */
  'sameVoUser',
  /** A user of VO B. */
  'otherVoUser',
  /** VO A's administrator: JobAdministrator, ServiceAdministrator, ProxyManagement. */
  'sameVoAdmin',
  /** VO B's administrator, with the same properties in VO B. */
  'otherVoAdmin',
  /** The registered pilot of VO A the job was matched to (a stamp-bound token). */
  'ownPilot',
  /** Another registered pilot of VO A. */
  'otherPilot',
  /** A registered pilot of VO B. */
  'otherVoPilot',
  /** VO A's generic pilot identity (GenericPilot, from the proxy exchange; no stamp). */
  'genericPilot',
] as const;
export type TokenHolder = (typeof TOKEN_HOLDERS)[number];

/** Callers whose requests must all be refused with 401 on a route that takes a token. */
export const UNAUTHENTICATED = [
  'noToken',
  'wrongSignature',
  'foreignIssuer',
  'expired',
  'algNone',
] as const;
export type Unauthenticated = (typeof UNAUTHENTICATED)[number];

export type Caller = TokenHolder | Unauthenticated;
/** Every caller, in the order requests are sent. */
export const CALLERS: readonly Caller[] = [...TOKEN_HOLDERS, ...UNAUTHENTICATED];

/** How reports name each caller. */
export const CALLER_LABELS: Readonly<Record<Caller, string>> = {
  owner: 'owner',
  sameVoUser: 'same-VO user',
  otherVoUser: 'other-VO user',
  sameVoAdmin: 'same-VO admin',
  otherVoAdmin: 'other-VO admin',
  ownPilot: 'own pilot',
  otherPilot: 'other pilot of the VO',
  otherVoPilot: 'other-VO pilot',
  genericPilot: 'generic pilot',
  noToken: 'no token',
  wrongSignature: 'wrong signature',
  foreignIssuer: 'foreign issuer',
  expired: 'expired token',
  algNone: 'alg none',
};

/** Token holders of VO B: whatever VO A's data is, an extension may not open it to them. */
export const OTHER_VO: readonly TokenHolder[] = ['otherVoUser', 'otherVoAdmin', 'otherVoPilot'];

/** What the requests are about; `prepareMatrix` creates it before the table is run. */
export interface Seed {
  vo: string;
  otherVo: string;
  /** The site the job asks for; matching requests ask for `otherSite`, so it stays put. */
  site: string;
  otherSite: string;
  /** A storage element open to VO A. */
  se: string;
  /** The owner's job, matched to the own pilot. */
  jobId: number;
  /** The owner's sandbox. */
  pfn: string;
  /** The own pilot's stamp. */
  pilotStamp: string;
  /** The owner's refresh token. */
  refreshJti: string;
  /** An ISO time for status reports. */
  now: string;
}

export interface MatrixRequest {
  url: string;
  /** A JSON body. */
  payload?: unknown;
  /** A form body (application/x-www-form-urlencoded). */
  form?: Record<string, string>;
}

export interface MatrixRow {
  request: (seed: Seed) => MatrixRequest;
  /**
   * `public`: the route reads no access token; every caller gets the same answer.
   * `credential`: the route takes a credential of its own (a secret, a signature, a grant),
   * which no caller here presents; nobody gets a 2xx. Otherwise, the token holders allowed.
   */
  access: 'public' | 'credential' | readonly TokenHolder[];
}

const USERS: readonly TokenHolder[] = [
  'owner',
  'sameVoUser',
  'otherVoUser',
  'sameVoAdmin',
  'otherVoAdmin',
];
const EVERYONE: readonly TokenHolder[] = TOKEN_HOLDERS;
/** Everyone of VO A. */
const SAME_VO: readonly TokenHolder[] = [
  'owner',
  'sameVoUser',
  'sameVoAdmin',
  'ownPilot',
  'otherPilot',
  'genericPilot',
];
/** Who reads the owner's job or sandbox: the owner and the VO's JobAdministrator. */
const JOB_READERS: readonly TokenHolder[] = ['owner', 'sameVoAdmin'];
/** Who manages the job: its readers and the pilots it was matched to (in VO A). */
const JOB_MANAGERS: readonly TokenHolder[] = ['owner', 'sameVoAdmin', 'ownPilot', 'genericPilot'];
/** Who matches for VO A under the own pilot's stamp. */
const MATCHERS: readonly TokenHolder[] = ['sameVoAdmin', 'ownPilot', 'genericPilot'];

const slot = (s: Seed) => ({
  VO: s.vo,
  Site: s.otherSite,
  CPUTime: 100_000,
  PilotStamp: s.pilotStamp,
});
const lfn = (s: Seed) => `/${s.vo}/user/matrix/file.dat`;
const jdl = ['Executable = "matrix"; JobName = "matrix"'];

export const AUTHORIZATION_MATRIX: Readonly<Record<string, MatrixRow>> = {
  // Discovery and probes.
  'GET /.well-known/openid-configuration': {
    request: () => ({ url: '/.well-known/openid-configuration' }),
    access: 'public',
  },
  'GET /.well-known/jwks.json': {
    request: () => ({ url: '/.well-known/jwks.json' }),
    access: 'public',
  },
  'GET /.well-known/dirac-metadata': {
    request: () => ({ url: '/.well-known/dirac-metadata' }),
    access: 'public',
  },
  'GET /.well-known/security.txt': {
    request: () => ({ url: '/.well-known/security.txt' }),
    access: 'public',
  },
  'GET /api/health/live': { request: () => ({ url: '/api/health/live' }), access: 'public' },
  'GET /api/health/ready': { request: () => ({ url: '/api/health/ready' }), access: 'public' },
  'GET /api/health/startup': { request: () => ({ url: '/api/health/startup' }), access: 'public' },

  // Logging in: each flow carries its own proof, never an access token.
  'POST /api/auth/device': {
    request: (s) => ({
      url: `/api/auth/device?client_id=myDIRACClientID&scope=vo:${s.vo}`,
    }),
    access: 'public',
  },
  'GET /api/auth/device': {
    request: () => ({ url: '/api/auth/device?user_code=NOSUCHCODE' }),
    access: 'credential',
  },
  'GET /api/auth/device/complete': {
    request: () => ({ url: '/api/auth/device/complete?code=x&state=x' }),
    access: 'credential',
  },
  'GET /api/auth/device/complete/finished': {
    request: () => ({ url: '/api/auth/device/complete/finished' }),
    access: 'public',
  },
  'GET /api/auth/authorize': {
    request: (s) => ({
      url:
        '/api/auth/authorize?response_type=code&code_challenge=x&code_challenge_method=S256' +
        `&client_id=myDIRACClientID&redirect_uri=http://localhost:8000/&scope=vo:${s.vo}&state=x`,
    }),
    access: 'public',
  },
  'GET /api/auth/authorize/complete': {
    request: () => ({ url: '/api/auth/authorize/complete?code=x&state=x' }),
    access: 'credential',
  },
  'POST /api/auth/token': {
    request: () => ({
      url: '/api/auth/token',
      form: { grant_type: 'refresh_token', client_id: 'myDIRACClientID', refresh_token: 'x' },
    }),
    access: 'credential',
  },
  'POST /api/auth/revoke': {
    request: () => ({ url: '/api/auth/revoke', form: { refresh_token: 'x' } }),
    access: 'credential',
  },
  'GET /api/auth/legacy-exchange': {
    request: (s) => ({ url: `/api/auth/legacy-exchange?preferred_username=x&scope=vo:${s.vo}` }),
    access: 'credential',
  },
  'POST /api/auth/pilot-token': {
    request: (s) => ({
      url: '/api/auth/pilot-token',
      payload: { pilot_stamp: s.pilotStamp, pilot_secret: 'guess' },
    }),
    access: 'credential',
  },
  'POST /api/auth/proxy-exchange': {
    request: () => ({ url: '/api/auth/proxy-exchange', payload: { proxy: 'not a proxy' } }),
    access: 'credential',
  },

  // The caller's own credentials; a ProxyManagement holder manages its VO's.
  'GET /api/auth/refresh-tokens': {
    request: () => ({ url: '/api/auth/refresh-tokens' }),
    access: EVERYONE,
  },
  'DELETE /api/auth/refresh-tokens/{jti}': {
    request: (s) => ({ url: `/api/auth/refresh-tokens/${s.refreshJti}` }),
    access: ['owner', 'sameVoAdmin'],
  },
  'GET /api/auth/userinfo': { request: () => ({ url: '/api/auth/userinfo' }), access: EVERYONE },

  // The catalog: paths of the caller's VO only.
  'POST /api/catalog/files': {
    request: (s) => ({
      url: '/api/catalog/files',
      payload: {
        [lfn(s)]: { PFN: `srm://matrix${lfn(s)}`, SE: s.se, Size: 1, Checksum: '0000000a' },
      },
    }),
    access: EVERYONE,
  },
  'POST /api/catalog/files/remove': {
    request: (s) => ({ url: '/api/catalog/files/remove', payload: { lfns: [lfn(s)] } }),
    access: EVERYONE,
  },
  'POST /api/catalog/files/metadata': {
    request: (s) => ({ url: '/api/catalog/files/metadata', payload: { lfns: [lfn(s)] } }),
    access: EVERYONE,
  },
  'POST /api/catalog/replicas': {
    request: (s) => ({
      url: '/api/catalog/replicas',
      payload: { [lfn(s)]: { PFN: `srm://matrix${lfn(s)}`, SE: s.se } },
    }),
    access: EVERYONE,
  },
  'POST /api/catalog/replicas/remove': {
    request: (s) => ({ url: '/api/catalog/replicas/remove', payload: { [lfn(s)]: { SE: s.se } } }),
    access: EVERYONE,
  },
  'POST /api/catalog/replicas/query': {
    request: (s) => ({ url: '/api/catalog/replicas/query', payload: { lfns: [lfn(s)] } }),
    access: EVERYONE,
  },
  'GET /api/catalog/directory': {
    request: (s) => ({ url: `/api/catalog/directory?path=/${s.vo}` }),
    access: SAME_VO,
  },
  'PUT /api/catalog/directory': {
    request: (s) => ({ url: '/api/catalog/directory', payload: { path: `/${s.vo}/matrix` } }),
    access: SAME_VO,
  },
  'PATCH /api/catalog/metadata': {
    request: (s) => ({
      url: '/api/catalog/metadata',
      payload: { path: `/${s.vo}/matrix`, metadata: { matrix: 1 } },
    }),
    // The catalog's own permissions: write on the owner's directory is for the owner's group.
    access: ['owner', 'sameVoUser'],
  },
  'POST /api/catalog/find': {
    request: (s) => ({
      url: '/api/catalog/find',
      payload: { path: `/${s.vo}`, metadata: { matrix: 1 } },
    }),
    access: SAME_VO,
  },

  'GET /api/config/': { request: () => ({ url: '/api/config/' }), access: EVERYONE },

  // Jobs.
  'POST /api/jobs/search': {
    request: (s) => ({
      url: '/api/jobs/search',
      payload: { search: [{ parameter: 'JobID', operator: 'eq', value: s.jobId }] },
    }),
    access: USERS,
  },
  'POST /api/jobs/summary': {
    request: () => ({ url: '/api/jobs/summary', payload: { grouping: ['Status'] } }),
    access: USERS,
  },
  'GET /api/jobs/status': {
    request: (s) => ({ url: `/api/jobs/status?job_ids=${s.jobId}` }),
    access: JOB_READERS,
  },
  'PATCH /api/jobs/status': {
    request: (s) => ({
      url: '/api/jobs/status',
      payload: { [s.jobId]: { [s.now]: { ApplicationStatus: 'matrix', Source: 'matrix' } } },
    }),
    access: JOB_MANAGERS,
  },
  'PATCH /api/jobs/heartbeat': {
    request: (s) => ({ url: '/api/jobs/heartbeat', payload: { [s.jobId]: { LoadAverage: 1 } } }),
    access: JOB_MANAGERS,
  },
  'POST /api/jobs/reschedule': {
    request: (s) => ({ url: '/api/jobs/reschedule', payload: { job_ids: [s.jobId] } }),
    access: JOB_MANAGERS,
  },
  'PATCH /api/jobs/metadata': {
    request: (s) => ({ url: '/api/jobs/metadata', payload: { [s.jobId]: { HostName: 'wn' } } }),
    access: JOB_MANAGERS,
  },
  'POST /api/jobs/sandbox': {
    request: () => ({
      url: '/api/jobs/sandbox',
      payload: {
        checksum_algorithm: 'sha256',
        checksum: 'b'.repeat(64),
        size: 1,
        format: 'tar.bz2',
      },
    }),
    access: USERS,
  },
  'GET /api/jobs/sandbox': {
    request: (s) => ({ url: `/api/jobs/sandbox?pfn=${encodeURIComponent(s.pfn)}` }),
    access: JOB_READERS,
  },
  'POST /api/jobs/sandbox/unassign': {
    request: (s) => ({ url: '/api/jobs/sandbox/unassign', payload: { job_ids: [s.jobId] } }),
    access: JOB_MANAGERS,
  },
  'GET /api/jobs/{job_id}/sandbox': {
    request: (s) => ({ url: `/api/jobs/${s.jobId}/sandbox` }),
    access: JOB_READERS,
  },
  'DELETE /api/jobs/{job_id}/sandbox': {
    request: (s) => ({ url: `/api/jobs/${s.jobId}/sandbox` }),
    access: JOB_MANAGERS,
  },
  'GET /api/jobs/{job_id}/sandbox/{sandbox_type}': {
    request: (s) => ({ url: `/api/jobs/${s.jobId}/sandbox/output` }),
    access: JOB_READERS,
  },
  'PATCH /api/jobs/{job_id}/sandbox/output': {
    request: (s) => ({
      url: `/api/jobs/${s.jobId}/sandbox/output`,
      payload: JSON.stringify(s.pfn),
    }),
    access: JOB_MANAGERS,
  },
  'POST /api/jobs/match': {
    request: (s) => ({ url: '/api/jobs/match', payload: slot(s) }),
    access: MATCHERS,
  },
  'POST /api/jobs/match/queues': {
    request: (s) => ({ url: '/api/jobs/match/queues', payload: slot(s) }),
    access: MATCHERS,
  },
  'POST /api/jobs/match/queues/bulk': {
    request: (s) => ({ url: '/api/jobs/match/queues/bulk', payload: { Slots: [slot(s)] } }),
    access: MATCHERS,
  },
  'POST /api/jobs/jdl': { request: () => ({ url: '/api/jobs/jdl', payload: jdl }), access: USERS },
  'POST /api/jobs/': { request: () => ({ url: '/api/jobs/', payload: jdl }), access: USERS },

  // Pilots: registered by their VO's administrator; a pilot changes its own record.
  'POST /api/pilots/': {
    request: (s) => ({ url: '/api/pilots/', payload: { pilot_stamp: 'matrix-new', vo: s.vo } }),
    access: ['sameVoAdmin'],
  },
  'PATCH /api/pilots/metadata': {
    request: (s) => ({
      url: '/api/pilots/metadata',
      payload: { [s.pilotStamp]: { BenchMark: 1 } },
    }),
    access: ['sameVoAdmin', 'ownPilot', 'genericPilot'],
  },
  'POST /api/pilots/search': {
    request: () => ({ url: '/api/pilots/search', payload: {} }),
    access: USERS,
  },
  'POST /api/pilots/summary': {
    request: () => ({ url: '/api/pilots/summary', payload: { grouping: ['VO'] } }),
    access: USERS,
  },

  // Site statuses: read by anyone, set for a VO by its administrators.
  'GET /api/rss/site': { request: () => ({ url: '/api/rss/site' }), access: EVERYONE },
  'GET /api/rss/storage': { request: () => ({ url: '/api/rss/storage' }), access: EVERYONE },
  'GET /api/rss/compute': { request: () => ({ url: '/api/rss/compute' }), access: EVERYONE },
  'GET /api/rss/fts': { request: () => ({ url: '/api/rss/fts' }), access: EVERYONE },
  'PUT /api/rss/site/{site}': {
    request: (s) => ({
      url: `/api/rss/site/${s.site}`,
      payload: { status: 'Active', vo: s.vo },
    }),
    access: ['sameVoAdmin'],
  },

  // The sandbox store: signed URLs, no token.
  'POST /api/sandbox-store/upload': {
    request: () => ({ url: '/api/sandbox-store/upload', payload: {} }),
    access: 'credential',
  },
  'GET /api/sandbox-store/download': {
    request: () => ({ url: '/api/sandbox-store/download?key=x&expires=1&signature=x' }),
    access: 'credential',
  },
};
