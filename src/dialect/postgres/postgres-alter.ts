import { sql, type AlterColumnBuilder, type AlterColumnBuilderCallback, type Kysely } from 'kysely'
import type { MigrationOperations } from '../migration-operations.ts'
import { MigrationError } from '../../errors.ts'
import { columnDefinition, serverDefaultValue, withActions } from '../ddl-fragments.ts'
import type { IdentityKind } from '../../model/column.ts'
import { postgresColumnTypes } from './postgres-column-types.ts'

/**
 * A revision's `op` on PostgreSQL: plain ALTER TABLE through Kysely's schema builder. No
 * operation reads the database, so every one works offline (`--sql`).
 *
 * @example
 * ```ts
 * const op = postgresMigrationOperations(trx)
 * await op.alterColumn('movie', 'title', c.string(200)) // alter table "movie" alter column "title" drop default, … type varchar(200) using "title"::varchar, …
 * ```
 */
export function postgresMigrationOperations (db: Kysely<unknown>): MigrationOperations {
  const alter = (table: string) => db.schema.alterTable(table)
  return {
    async alterColumn (table, column, declaration) {
      const config = declaration.config
      if (config.generated !== undefined) {
        // PostgreSQL 15 cannot change a generation expression, nor make a column generated:
        // the column is dropped and added again, and the database computes every value anew.
        await alter(table).dropColumn(column).execute()
        await alter(table).addColumn(column, sql.raw(postgresColumnTypes.sqlType(config)), columnDefinition(config, false, postgresColumnTypes)).execute()
        await setComment(db, table, column, config.comment ?? null)
        return
      }
      // A generated column made ordinary keeps its values (PostgreSQL 13+).
      await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} drop expression if exists`.execute(db)
      const type = postgresColumnTypes.sqlType(config, config.autoincrement === true)
      const value = serverDefaultValue(config, postgresColumnTypes)
      // A key column's default is its identity, which DROP DEFAULT refuses to touch.
      const keepDefault = config.autoincrement === true || (config.primaryKey && value === undefined)
      // One statement. DROP DEFAULT runs first (PostgreSQL applies drops before type
      // changes), so an old default that cannot be cast to the new type does not stop it.
      const steps: AlterColumnBuilderCallback[] = [
        ...keepDefault ? [] : [(col: AlterColumnBuilder) => col.dropDefault()],
        // USING casts to the type without its length or precision: an explicit cast to
        // varchar(n) would silently truncate, the assignment to the column fails instead.
        (col) => col.setDataType(sql`${sql.raw(type)} using ${sql.ref(column)}::${sql.raw(type.replace(/\([^)]*\)/g, ''))}`),
        (col) => config.nullable ? col.dropNotNull() : col.setNotNull(),
        ...value === undefined ? [] : [(col: AlterColumnBuilder) => col.setDefault(value)]
      ]
      const [first, ...rest] = steps as [AlterColumnBuilderCallback, ...AlterColumnBuilderCallback[]]
      // DROP DEFAULT refuses an identity column: a column that stops autoincrementing loses it first.
      if (!keepDefault) await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} drop identity if exists`.execute(db)
      let builder = alter(table).alterColumn(column, first)
      for (const step of rest) builder = builder.alterColumn(column, step)
      await builder.execute()
      if (config.autoincrement === true) await addIdentity(db, table, column, config.identity)
      // The whole new declaration, its comment too (as MySQL's MODIFY COLUMN takes it).
      await setComment(db, table, column, config.comment ?? null)
    },
    addColumn: (table, column, { config }) => alter(table)
      .addColumn(column, sql.raw(postgresColumnTypes.sqlType(config)), columnDefinition(config, config.autoincrement === true, postgresColumnTypes)).execute(),
    dropColumn: (table, column) => alter(table).dropColumn(column).execute(),
    dropIndex: (_table, name) => db.schema.dropIndex(name).execute(),
    addUnique: (table, name, columns) => alter(table).addUniqueConstraint(name, [...columns]).execute(),
    dropUnique: (table, name) => alter(table).dropConstraint(name).execute(),
    addForeignKey: (table, name, columns, referencedTable, referencedColumns, actions = {}) =>
      alter(table).addForeignKeyConstraint(name, [...columns], referencedTable, [...referencedColumns], withActions(actions)).execute(),
    dropForeignKey: (table, name) => alter(table).dropConstraint(name).execute(),
    addCheck: (table, name, expression) =>
      alter(table).addCheckConstraint(name, typeof expression === 'string' ? sql.raw(expression) : expression).execute(),
    dropCheck: (table, name) => alter(table).dropConstraint(name).execute(),
    setComment: (table, column, comment) => setComment(db, table, column, comment),
    async alterPrimaryKey (table, from, to) {
      if (from.columns.length > 0 && from.name === undefined) throw new MigrationError(`op.alterPrimaryKey on "${table}": PostgreSQL drops a primary key by name; give the current key's name in \`from\`.`)
      const steps = [
        // One statement: the rows never go without a key in between.
        ...from.columns.length === 0 ? [] : [sql`drop constraint ${sql.id(from.name as string)}`],
        ...to.columns.length === 0 ? [] : [sql`add constraint ${sql.id(to.name ?? `${table}_pkey`)} primary key (${sql.join(to.columns.map((column) => sql.id(column)))})`]
      ]
      if (steps.length > 0) await sql`alter table ${sql.table(table)} ${sql.join(steps)}`.execute(db)
    }
  }
}

async function setComment (db: Kysely<unknown>, table: string, column: string | null, comment: string | null): Promise<void> {
  const target = column === null ? sql`table ${sql.table(table)}` : sql`column ${sql.id(table, column)}`
  await sql`comment on ${target} is ${comment === null || comment === '' ? sql`null` : sql.lit(comment)}`.execute(db)
}

/**
 * Makes the column an identity (as createAll declares autoincrement) unless it already is
 * one or, with no kind declared, a serial; the sequence then starts after the highest value
 * the rows hold. A declared kind is enforced: a serial loses its default and sequence for an
 * identity of that kind, an identity of the other kind is switched (SET GENERATED). A DO
 * block decides in the database, so the statement works offline (`--sql`) too.
 */
async function addIdentity (db: Kysely<unknown>, table: string, column: string, kind: IdentityKind | undefined): Promise<void> {
  const target = sql`${sql.table(table)}`.compile(db).sql
  const name = sql`${sql.ref(column)}`.compile(db).sql
  const generated = kind === 'always' ? 'always' : 'by default'
  const code = kind === 'always' ? 'a' : 'd'
  const attribute = `select a.attidentity, pg_get_expr(d.adbin, d.adrelid) as def from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = ${quote(target)}::regclass and a.attname = ${quote(column)}`
  const restart = `perform setval(pg_get_serial_sequence(${quote(target)}, ${quote(column)}), coalesce((select max(${name}) from ${target}), 0) + 1, false);`
  const body = `declare
  current record;
  serial text;
begin
  ${attribute} into current;
  if current.attidentity = '' and current.def like 'nextval(%' then
    if ${kind === undefined ? 'true' : 'false'} then return; end if;
    -- A serial becomes an identity: its default and sequence go, the values stay.
    serial := pg_get_serial_sequence(${quote(target)}, ${quote(column)});
    alter table ${target} alter column ${name} drop default;
    if serial is not null then execute 'drop sequence ' || serial; end if;
  end if;
  if current.attidentity = '' then
    alter table ${target} alter column ${name} add generated ${generated} as identity;
    ${restart}
  elsif ${kind === undefined ? 'false' : 'true'} and current.attidentity <> '${code}' then
    alter table ${target} alter column ${name} set generated ${generated};
  end if;
end`
  await sql`do ${sql.raw(`$orm$${body}$orm$`)}`.execute(db)
}

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`
