import type { ColumnType } from 'kysely'
import type { AnyColumn, Column } from './column.ts'
import type { Naming, SnakeCase } from './naming.ts'

/** Flattens an intersection into one object type, so editors show the fields. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The value a column holds when read. */
export type SelectValue<Col> = Col extends Column<infer T, infer N, boolean, boolean, boolean> ? (N extends true ? T | null : T) : never

/** The value a column accepts on insert/update: `bigint` columns also take numbers, `dateTime` ISO strings. */
export type WriteValue<Col> = Col extends Column<infer T, infer N, boolean, boolean, boolean>
  ? (T extends bigint ? T | number : T extends Date ? T | string : T) | (N extends true ? null : never)
  : never

/** True when a column may be left out of an insert (nullable, defaulted or autoincremented). */
export type OptionalOnInsert<Col> = Col extends Column<unknown, infer N, infer D, boolean, boolean> ? (N extends true ? true : D extends true ? true : false) : never

/** True for a column only the database writes (generated, or an `always` identity). */
export type ReadOnlyColumn<Col> = Col extends Column<unknown, boolean, boolean, boolean, infer G> ? G : never

/** The properties a client may write: every column but the read-only ones. */
export type WritableKeys<C> = { [K in keyof C]: ReadOnlyColumn<C[K]> extends true ? never : K }[keyof C]

type RequiredInsertKeys<C> = { [K in WritableKeys<C>]: OptionalOnInsert<C[K]> extends true ? never : K }[WritableKeys<C>]
type OptionalInsertKeys<C> = Exclude<WritableKeys<C>, RequiredInsertKeys<C>>

/** A row as read: every column, `| null` where nullable. */
export type RowOf<C extends Record<string, AnyColumn>> = Simplify<{ -readonly [K in keyof C]: SelectValue<C[K]> }>

/** What an insert needs: required columns, plus optional defaulted/nullable/autoincrement ones. */
export type InsertOf<C extends Record<string, AnyColumn>> = Simplify<
  { -readonly [K in RequiredInsertKeys<C>]: WriteValue<C[K]> } &
  { -readonly [K in OptionalInsertKeys<C>]?: WriteValue<C[K]> }
>

/** The properties of the columns declared `.primaryKey()` (a composite key is the model's `primaryKey` option). */
export type PrimaryKeyColumns<C> = { [K in keyof C]: C[K] extends Column<unknown, boolean, boolean, true, boolean> ? K : never }[keyof C]

/** What an update may change: any writable column but the primary key's (`PK`; by default those declared `.primaryKey()`). */
export type UpdateOf<C extends Record<string, AnyColumn>, PK extends keyof C = PrimaryKeyColumns<C>> = Simplify<{ -readonly [K in Exclude<WritableKeys<C>, PK>]?: WriteValue<C[K]> }>

// A read-only column is never inserted or updated, through Kysely either (the database refuses it).
type KyselyColumn<Col> = ReadOnlyColumn<Col> extends true
  ? ColumnType<SelectValue<Col>, never, never>
  : OptionalOnInsert<Col> extends true
  ? ColumnType<SelectValue<Col>, WriteValue<Col> | undefined, WriteValue<Col>>
  : ColumnType<SelectValue<Col>, WriteValue<Col>, WriteValue<Col>>

/** The Kysely table interface of a model, keyed by database column names. */
export type KyselyTableOf<C extends Record<string, AnyColumn>, N extends Naming> = {
  [K in keyof C as K extends string ? (N extends 'snake_case' ? SnakeCase<K> : K) : never]: KyselyColumn<C[K]>
}

/**
 * The Kysely database interface of a set of models: table name → table type. This is what
 * types `app.db.kysely` and `request.db.kysely` once the models are registered.
 *
 * @example
 * ```ts
 * type DB = DatabaseOf<typeof models>
 * const db: Kysely<DB> = app.db.kysely
 * ```
 */
export type DatabaseOf<Models> = {
  [K in keyof Models as Models[K] extends { readonly tableName: infer T extends string } ? T : never]:
  Models[K] extends { readonly $kysely: infer Table } ? Table : never
}

/** A Kysely database description: table name → row shape. */
export type AnyDatabase = Record<string, Record<string, unknown>>
