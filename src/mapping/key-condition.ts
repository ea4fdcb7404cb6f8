import { sql, type RawBuilder, type SqlBool } from 'kysely'
import type { EntityMapper } from './entity-mapper.ts'

/** `pk = value [and …]` for an entity's primary key. */
export function keyCondition (mapper: EntityMapper, entity: Readonly<Record<string, unknown>>): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.join(mapper.keyColumns.map((column) => sql`${sql.ref(column.name)} = ${entity[column.property]}`), sql` and `)}`
}
