import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Clock } from '../../core/index.ts';
import { type Database, SqlDatabase } from '../database.ts';
import { fromSqlDateTime, toSqlDateTime } from '../sql/datetime.ts';
import type { AuthDBTables, FlowStatus, RefreshTokenStatus } from './schema.ts';

/** Letters a person can read back without ambiguity, as DiracX's user codes use. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
const USER_CODE_ATTEMPTS = 5;

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export interface DeviceFlow {
  userCode: string;
  status: FlowStatus;
  createdMs: number;
  clientId: string;
  scope: string;
  idToken: Record<string, unknown> | null;
}

export interface AuthorizationFlow {
  uuid: string;
  status: FlowStatus;
  createdMs: number;
  clientId: string;
  scope: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  redirectUri: string;
  idToken: Record<string, unknown> | null;
}

export interface RefreshTokenRow {
  JTI: string;
  Status: RefreshTokenStatus;
  Scope: string;
  Sub: string;
}

/**
 * Login flows and refresh tokens. Codes handed to clients are stored only as SHA-256
 * hashes; every state change is a compare-and-set on the status, so a code is redeemed
 * once even when two requests race for it on different replicas.
 */
export interface AuthDB extends Database {
  insertDeviceFlow(
    clientId: string,
    scope: string,
    clock: Clock,
  ): Promise<{ userCode: string; deviceCode: string }>;
  getDeviceFlow(userCode: string): Promise<DeviceFlow | undefined>;
  /** PENDING → READY with the IdP's claims; false when the flow was not pending. */
  deviceFlowReady(userCode: string, idToken: Record<string, unknown>): Promise<boolean>;
  getDeviceFlowByDeviceCode(deviceCode: string): Promise<DeviceFlow | undefined>;
  /** READY → DONE for the flow of `deviceCode`; false when another request got there first. */
  redeemDeviceFlow(userCode: string): Promise<boolean>;

  insertAuthorizationFlow(
    flow: Omit<AuthorizationFlow, 'uuid' | 'status' | 'createdMs' | 'idToken'>,
    clock: Clock,
  ): Promise<string>;
  getAuthorizationFlow(uuid: string): Promise<AuthorizationFlow | undefined>;
  /** PENDING → READY with the IdP's claims; returns the code for the client, or undefined. */
  authorizationFlowReady(
    uuid: string,
    idToken: Record<string, unknown>,
  ): Promise<string | undefined>;
  getAuthorizationFlowByCode(code: string): Promise<AuthorizationFlow | undefined>;
  redeemAuthorizationFlow(uuid: string): Promise<boolean>;

  insertRefreshToken(jti: string, sub: string, scope: string): Promise<void>;
  getRefreshToken(jti: string): Promise<RefreshTokenRow | undefined>;
  /** CREATED → REVOKED; false when it was already revoked (or unknown). */
  revokeRefreshToken(jti: string): Promise<boolean>;
  revokeUserRefreshTokens(sub: string): Promise<void>;
  /** A user's live tokens, or with `sub` undefined every token, revoked ones included. */
  listRefreshTokens(sub: string | undefined): Promise<RefreshTokenRow[]>;
}

export class SqlAuthDB extends SqlDatabase<AuthDBTables> implements AuthDB {
  async insertDeviceFlow(clientId: string, scope: string, clock: Clock) {
    const deviceCode = randomBytes(32).toString('base64url');
    for (let attempt = 1; ; attempt++) {
      const userCode = Array.from(
        { length: USER_CODE_LENGTH },
        () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)],
      ).join('');
      try {
        await this.db
          .insertInto('DeviceFlows')
          .values({
            UserCode: userCode,
            Status: 'PENDING',
            CreationTime: toSqlDateTime(clock.nowMs()),
            ClientID: clientId,
            Scope: scope,
            DeviceCode: sha256Hex(deviceCode),
            IDToken: null,
          })
          .execute();
        return { userCode, deviceCode };
      } catch (error) {
        // A user-code collision is the only expected failure; give up after a few.
        if (attempt >= USER_CODE_ATTEMPTS) throw error;
      }
    }
  }

  async getDeviceFlow(userCode: string) {
    const row = await this.db
      .selectFrom('DeviceFlows')
      .selectAll()
      .where('UserCode', '=', userCode)
      .executeTakeFirst();
    return row === undefined ? undefined : toDeviceFlow(row);
  }

  async deviceFlowReady(userCode: string, idToken: Record<string, unknown>) {
    const result = await this.db
      .updateTable('DeviceFlows')
      .set({ Status: 'READY', IDToken: JSON.stringify(idToken) })
      .where('UserCode', '=', userCode)
      .where('Status', '=', 'PENDING')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async getDeviceFlowByDeviceCode(deviceCode: string) {
    const row = await this.db
      .selectFrom('DeviceFlows')
      .selectAll()
      .where('DeviceCode', '=', sha256Hex(deviceCode))
      .executeTakeFirst();
    return row === undefined ? undefined : toDeviceFlow(row);
  }

  async redeemDeviceFlow(userCode: string) {
    const result = await this.db
      .updateTable('DeviceFlows')
      .set({ Status: 'DONE' })
      .where('UserCode', '=', userCode)
      .where('Status', '=', 'READY')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertAuthorizationFlow(
    flow: Omit<AuthorizationFlow, 'uuid' | 'status' | 'createdMs' | 'idToken'>,
    clock: Clock,
  ) {
    const uuid = randomUUID().replaceAll('-', '');
    await this.db
      .insertInto('AuthorizationFlows')
      .values({
        UUID: uuid,
        Status: 'PENDING',
        ClientID: flow.clientId,
        CreationTime: toSqlDateTime(clock.nowMs()),
        Scope: flow.scope,
        CodeChallenge: flow.codeChallenge,
        CodeChallengeMethod: flow.codeChallengeMethod,
        RedirectURI: flow.redirectUri,
        Code: null,
        IDToken: null,
      })
      .execute();
    return uuid;
  }

  async getAuthorizationFlow(uuid: string) {
    const row = await this.db
      .selectFrom('AuthorizationFlows')
      .selectAll()
      .where('UUID', '=', uuid)
      .executeTakeFirst();
    return row === undefined ? undefined : toAuthorizationFlow(row);
  }

  async authorizationFlowReady(uuid: string, idToken: Record<string, unknown>) {
    const code = randomBytes(32).toString('base64url');
    const result = await this.db
      .updateTable('AuthorizationFlows')
      .set({ Status: 'READY', IDToken: JSON.stringify(idToken), Code: sha256Hex(code) })
      .where('UUID', '=', uuid)
      .where('Status', '=', 'PENDING')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? code : undefined;
  }

  async getAuthorizationFlowByCode(code: string) {
    const row = await this.db
      .selectFrom('AuthorizationFlows')
      .selectAll()
      .where('Code', '=', sha256Hex(code))
      .executeTakeFirst();
    return row === undefined ? undefined : toAuthorizationFlow(row);
  }

  async redeemAuthorizationFlow(uuid: string) {
    const result = await this.db
      .updateTable('AuthorizationFlows')
      .set({ Status: 'DONE' })
      .where('UUID', '=', uuid)
      .where('Status', '=', 'READY')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertRefreshToken(jti: string, sub: string, scope: string) {
    await this.db
      .insertInto('RefreshTokens')
      .values({ JTI: jti.replaceAll('-', ''), Status: 'CREATED', Scope: scope, Sub: sub })
      .execute();
  }

  async getRefreshToken(jti: string) {
    const row = await this.db
      .selectFrom('RefreshTokens')
      .selectAll()
      .where('JTI', '=', jti.replaceAll('-', ''))
      .executeTakeFirst();
    return row === undefined ? undefined : { ...row, JTI: dashed(row.JTI) };
  }

  async revokeRefreshToken(jti: string) {
    const result = await this.db
      .updateTable('RefreshTokens')
      .set({ Status: 'REVOKED' })
      .where('JTI', '=', jti.replaceAll('-', ''))
      .where('Status', '=', 'CREATED')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeUserRefreshTokens(sub: string) {
    await this.db
      .updateTable('RefreshTokens')
      .set({ Status: 'REVOKED' })
      .where('Sub', '=', sub)
      .execute();
  }

  async listRefreshTokens(sub: string | undefined) {
    let query = this.db.selectFrom('RefreshTokens').selectAll().orderBy('JTI');
    if (sub !== undefined) query = query.where('Sub', '=', sub).where('Status', '=', 'CREATED');
    return (await query.execute()).map((row) => ({ ...row, JTI: dashed(row.JTI) }));
  }
}

/** DiracX stores UUIDs as 32 hex digits and shows them with dashes. */
function dashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** JSON columns come back as text from SQLite and already parsed from mysql2. */
function parseIdToken(
  value: string | Record<string, unknown> | null,
): Record<string, unknown> | null {
  if (value === null || typeof value === 'object') return value;
  return JSON.parse(value) as Record<string, unknown>;
}

function toDeviceFlow(row: AuthDBTables['DeviceFlows']): DeviceFlow {
  return {
    userCode: row.UserCode,
    status: row.Status,
    createdMs: fromSqlDateTime(row.CreationTime),
    clientId: row.ClientID,
    scope: row.Scope,
    idToken: parseIdToken(row.IDToken),
  };
}

function toAuthorizationFlow(row: AuthDBTables['AuthorizationFlows']): AuthorizationFlow {
  return {
    uuid: row.UUID,
    status: row.Status,
    createdMs: fromSqlDateTime(row.CreationTime),
    clientId: row.ClientID,
    scope: row.Scope,
    codeChallenge: row.CodeChallenge,
    codeChallengeMethod: row.CodeChallengeMethod,
    redirectUri: row.RedirectURI,
    idToken: parseIdToken(row.IDToken),
  };
}
