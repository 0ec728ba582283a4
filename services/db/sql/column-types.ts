import { sql, type ColumnDataType, type CreateTableBuilder, type RawBuilder } from 'kysely';
import type { SqlDialectName } from './connection.ts';

/**
 * What differs between SQLite and MySQL when creating tables: a few column types, and index
 * names, which SQLite scopes to the whole database (DiracX reuses names such as `Status` in
 * several tables, and gridbox keeps every embedded DB in one SQLite database). Everything
 * else in the migrations is written once through Kysely's schema builder.
 */
export type DataTypeExpression = ColumnDataType | RawBuilder<unknown>;

export interface ColumnTypes {
  /** DATETIME without fraction, as DiracX's SmarterDateTime; values are written by the app. */
  datetime: DataTypeExpression;
  /** A native ENUM on MySQL (as SQLAlchemy creates it), a VARCHAR on SQLite. */
  enumOf(values: readonly string[]): DataTypeExpression;
  json: DataTypeExpression;
  double: DataTypeExpression;
  /**
   * A VARCHAR compared byte for byte: MySQL's default collation would make `/vo/A` and
   * `/vo/a` the same path; SQLite compares bytes already.
   */
  caseSensitiveString(length: number): DataTypeExpression;
  /** The index name DiracX uses on MySQL, made unique per table on SQLite. */
  indexName(table: string, name: string): string;
  /**
   * Stores a table's rows in the order of its primary key, as InnoDB always does: SQLite's
   * WITHOUT ROWID. A scan of a key range then reads the rows themselves, where a rowid
   * table reads the key's index and looks each row up.
   */
  clusteredByPrimaryKey<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
  ): CreateTableBuilder<T, C>;
}

export function columnTypes(dialect: SqlDialectName): ColumnTypes {
  return {
    datetime: 'datetime',
    enumOf: (values) =>
      dialect === 'mysql'
        ? sql.raw(`enum(${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(',')})`)
        : `varchar(${Math.max(...values.map((v) => v.length))})`,
    json: dialect === 'mysql' ? 'json' : 'text',
    double: dialect === 'mysql' ? sql.raw('double') : 'real',
    caseSensitiveString: (length) =>
      dialect === 'mysql'
        ? sql.raw(`varchar(${length}) character set utf8mb4 collate utf8mb4_bin`)
        : `varchar(${length})`,
    indexName: (table, name) => (dialect === 'mysql' ? name : `${table}_${name}`),
    clusteredByPrimaryKey: (table) =>
      dialect === 'mysql' ? table : table.modifyEnd(sql`without rowid`),
  };
}
