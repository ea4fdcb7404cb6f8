import plugin from './plugin.ts'

export default plugin
/** The plugin under a name, for `import { fastifyOrm } from 'fastify-orm'`. */
export { plugin as fastifyOrm }
export type { FastifyOrmOptions } from './plugin.ts'
export type { DatabaseOptions, PoolOptions, ResolvedConfig, ResolvedDatabaseConfig } from './config/resolve-config.ts'
export { resolveConfig } from './config/resolve-config.ts'
export { parseDatabaseUrl, type DialectName, type ParsedDatabaseUrl, type ServerUrl, type SqliteUrl } from './config/parse-database-url.ts'
export { redactUrl } from './config/redact.ts'
export { Engine } from './database/engine.ts'
export type { EngineLogger } from './engine/database-pool.ts'
export type { PoolStatus } from './engine/managed-driver.ts'
export type { DialectCapabilities } from './dialect/orm-dialect.ts'
export { Session, type TransactionOptions } from './session/session.ts'
export { c, type ArrayElement } from './model/column-types.ts'
export { Column, type AnyColumn, type ColumnConfig, type ColumnKind, type ModelColumn, type ReferenceOptions, type ReferenceTarget, type ReferentialAction, type ServerDefault } from './model/column.ts'
export { defineModel, defineTable, type AnyModel, type CheckDefinition, type IndexDefinition, type Model, type ModelOptions, type NamedColumns, type TableDefinition } from './model/define-model.ts'
export type { AnyDatabase, DatabaseOf, InsertOf, KyselyTableOf, RowOf, SelectValue, UpdateOf, WriteValue } from './model/infer.ts'
export type { ModelSchemas } from './model/model-schemas.ts'
export { ModelDefinitionError } from './model/model-definition-error.ts'
export { ModelRegistry, type ForeignKeyDefinition, type RegisteredTable } from './model/registry.ts'
export { snakeCase, constraintName, type Naming, type SnakeCase } from './model/naming.ts'
export { relations, type BelongsTo, type CascadeOptions, type HasMany, type HasOne, type ManyToMany, type ModelRelations, type Relation, type RelationBuilders } from './model/relations.ts'
export { Query, type ModelDatabase, type QueryExpression } from './query/query.ts'
export type { RelationSpec } from './query/relation-loader.ts'
export { Pagination, assertPageInRange, type IterPagesOptions, type PaginationInit, type PaginationJSON } from './query/pagination.ts'
export { resolvePageRequest, type PageRequest, type PageRequestInput, type PaginateOptions, type RequestLike } from './query/page-request.ts'
export type { FlushResult } from './session/unit-of-work.ts'
export type { EntityOf, PrimaryKeyInput, SessionEngine, SessionOptions } from './session/session.ts'
export type { Register, RegisteredDatabase } from './model/register.ts'
export type { RouteDatabaseOptions } from './types.ts'
export {
  CheckViolationError,
  CircularDependencyError,
  ConfigurationError,
  ConnectionError,
  ConnectionLostError,
  ConstraintViolationError,
  DatabaseError,
  DriverNotInstalledError,
  ForeignKeyViolationError,
  InvalidArgumentError,
  InvalidValueError,
  MigrationError,
  MultipleResultsError,
  NotFoundError,
  NotNullViolationError,
  OrmError,
  PoolTimeoutError,
  RelationNotLoadedError,
  RequestAbortedError,
  SessionStateError,
  UniqueViolationError,
  UnknownPropertyError,
  UnknownRelationshipError,
  UntrackedObjectError,
  type ConstraintDetails
} from './errors.ts'
export { Migrations, type GeneratedRevision, type HistoryEntry, type MigrationsOptions } from './migration/migrations.ts'
export type { ForeignKeyActions, MigrationOperations, MigrationTypes } from './dialect/migration-operations.ts'
export type { MigrationContext } from './migration/migration-context.ts'
export type { Revision } from './migration/revision.ts'
