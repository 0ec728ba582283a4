import type { Migrations } from '../sql/migrate.ts';

/** Flow states, stored by name: PENDING → READY (IdP answered) → DONE (tokens issued). */
export const FLOW_STATUSES = ['PENDING', 'READY', 'DONE', 'ERROR'] as const;
export const REFRESH_TOKEN_STATUSES = ['CREATED', 'REVOKED'] as const;

export type FlowStatus = (typeof FLOW_STATUSES)[number];
export type RefreshTokenStatus = (typeof REFRESH_TOKEN_STATUSES)[number];

export interface AuthDBTables {
  DeviceFlows: {
    UserCode: string;
    Status: FlowStatus;
    CreationTime: string;
    ClientID: string;
    Scope: string;
    /** sha256 hex of the device code handed to the client. */
    DeviceCode: string;
    IDToken: string | null;
  };
  AuthorizationFlows: {
    UUID: string;
    Status: FlowStatus;
    ClientID: string;
    CreationTime: string;
    Scope: string;
    CodeChallenge: string;
    CodeChallengeMethod: string;
    RedirectURI: string;
    /** sha256 hex of the code handed to the client. */
    Code: string | null;
    IDToken: string | null;
  };
  RefreshTokens: { JTI: string; Status: RefreshTokenStatus; Scope: string; Sub: string };
}

export const authDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      // SQLAlchemy stores these enums as VARCHAR(16) holding the member name.
      await db.schema
        .createTable('DeviceFlows')
        .addColumn('UserCode', 'varchar(8)', (c) => c.primaryKey())
        .addColumn('Status', 'varchar(16)', (c) => c.notNull().defaultTo('PENDING'))
        .addColumn('CreationTime', t.datetime, (c) => c.notNull())
        .addColumn('ClientID', 'varchar(255)', (c) => c.notNull())
        .addColumn('Scope', 'varchar(1024)', (c) => c.notNull())
        .addColumn('DeviceCode', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('IDToken', t.json)
        .execute();
      await db.schema
        .createTable('AuthorizationFlows')
        .addColumn('UUID', 'char(32)', (c) => c.primaryKey())
        .addColumn('Status', 'varchar(16)', (c) => c.notNull().defaultTo('PENDING'))
        .addColumn('ClientID', 'varchar(255)', (c) => c.notNull())
        .addColumn('CreationTime', t.datetime, (c) => c.notNull())
        .addColumn('Scope', 'varchar(1024)', (c) => c.notNull())
        .addColumn('CodeChallenge', 'varchar(255)', (c) => c.notNull())
        .addColumn('CodeChallengeMethod', 'varchar(8)', (c) => c.notNull())
        .addColumn('RedirectURI', 'varchar(255)', (c) => c.notNull())
        .addColumn('Code', 'varchar(255)')
        .addColumn('IDToken', t.json)
        .execute();
      await db.schema
        .createTable('RefreshTokens')
        .addColumn('JTI', 'char(32)', (c) => c.primaryKey())
        .addColumn('Status', 'varchar(16)', (c) => c.notNull().defaultTo('CREATED'))
        .addColumn('Scope', 'varchar(1024)', (c) => c.notNull())
        .addColumn('Sub', 'varchar(256)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex(t.indexName('RefreshTokens', 'ix_RefreshTokens_Sub'))
        .on('RefreshTokens')
        .column('Sub')
        .execute();
      await db.schema
        .createIndex(t.indexName('RefreshTokens', 'index_status_sub'))
        .on('RefreshTokens')
        .columns(['Status', 'Sub'])
        .execute();
    },
  },
});
