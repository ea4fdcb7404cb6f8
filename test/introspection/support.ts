// Shared by the introspection tests (not a test file itself: tap only runs *.test.ts).
import { sql, type Kysely } from 'kysely'
import { c, defineModel, type AnyModel, type DialectName, type ModelRelations } from '../../src/index.ts'
import type { RegisteredTable } from '../../src/model/registry.ts'
import type { ColumnTypes } from '../../src/dialect/orm-dialect.ts'
import { mysqlColumnTypes } from '../../src/dialect/mysql/mysql-column-types.ts'
import { postgresColumnTypes } from '../../src/dialect/postgres/postgres-column-types.ts'
import { sqliteColumnTypes } from '../../src/dialect/sqlite/sqlite-column-types.ts'
import type { IntrospectedColumn, IntrospectedTable } from '../../src/introspection/introspected-schema.ts'
import { buildApp } from '../helpers/app.ts'
import type { TapTest, TestDatabase } from '../helpers/databases.ts'

export const COLUMN_TYPES: Record<DialectName, ColumnTypes> = { sqlite: sqliteColumnTypes, postgres: postgresColumnTypes, mysql: mysqlColumnTypes }

/** An app with fastify-orm on `database` and `models` registered, closed when the test ends. */
export async function openDb (t: TapTest, database: TestDatabase, models: Record<string, AnyModel | ModelRelations> = {}) {
  const app = await buildApp(t, database, { models })
  return { app, db: app.db.kysely as Kysely<unknown>, columnTypes: COLUMN_TYPES[database.dialect] }
}

/** Runs each statement (MySQL's driver takes one statement per query). */
export async function execute (db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

/** The introspected table called `name`; fails loudly when it is missing. */
export function tableNamed (tables: readonly IntrospectedTable[], name: string): IntrospectedTable {
  const table = tables.find((candidate) => candidate.name === name)
  if (!table) throw new Error(`table ${name} was not introspected (got ${tables.map((candidate) => candidate.name).join(', ')})`)
  return table
}

/** The registered table called `name`. */
export function registered (tables: readonly RegisteredTable[], name: string): RegisteredTable {
  const table = tables.find((candidate) => candidate.tableName === name)
  if (!table) throw new Error(`no registered table ${name}`)
  return table
}

/** An introspected column: NOT NULL, no default, no autoincrement unless said. */
export function column (name: string, sqlType: string, options: Partial<Omit<IntrospectedColumn, 'name' | 'sqlType'>> = {}): IntrospectedColumn {
  return { name, sqlType, nullable: options.nullable ?? false, serverDefault: options.serverDefault, autoincrement: options.autoincrement ?? false }
}

/**
 * A table that a hand-written CREATE TABLE must match: what `expectedTable` derives from
 * this model. Every database's test spells it in that database's usual SQL.
 */
export const Rating = defineModel('Rating', {
  id: c.integer().primaryKey(),
  kind: c.enumeration(['b', 'a']),
  score: c.numeric(5, 1).serverDefault('2.50'),
  label: c.string(20).serverDefault('x').unique(),
  open: c.boolean().serverDefault(true),
  at: c.dateTime().serverDefault({ sql: 'CURRENT_TIMESTAMP' }),
  parentId: c.integer().nullable().references('rating.id', { onDelete: 'cascade' })
}, { naming: 'snake_case', checks: { positive: 'score > 0' } })
