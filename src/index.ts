/**
 * fastify-orm's public API: the plugin, models, sessions, queries, errors, the migration
 * types revision files use, and the types of all of these. Everything else under `src/` is
 * internal and may change in any release.
 *
 * @packageDocumentation
 */
import plugin from './plugin.ts'

// The plugin

export default plugin
/** The plugin under a name, for `import { fastifyOrm } from 'fastify-orm'`. */
export { plugin as fastifyOrm }
export type { FastifyOrmOptions } from './plugin.ts'
export type { DevPageOptions } from './plugin/dev-page-options.ts'
export type { DatabaseOptions, PoolOptions } from './config/resolve-config.ts'
export type { DialectName } from './config/parse-database-url.ts'
export type { Register, RegisteredDatabase } from './model/register.ts'
export type { RouteDatabaseOptions } from './types.ts'

// `app.db` and `request.db`

export type { Engine } from './database/engine.ts'
export type { EngineLogger } from './engine/database-pool.ts'
export type { PoolStatus } from './engine/managed-driver.ts'
export type { DialectCapabilities } from './dialect/orm-dialect.ts'
export type { AddValues, Collection, Loaded, NotLoaded } from './query/loaded-types.ts'
export { Session, type EntityOf, type PrimaryKeyInput, type SessionEngine, type SessionOptions, type TransactionOptions } from './session/session.ts'
export type { FlushResult } from './session/unit-of-work.ts'
export type { QueryRecord, QueryStats, QueryWarning } from './session/query-recorder.ts'

// Tracing: the diagnostics_channel names and their messages

export { QUERY_CHANNEL, TRANSACTION_CHANNEL, type QueryMessage, type TracedDatabase, type TracedSystem, type TransactionAction, type TransactionMessage } from './engine/statement-tracing.ts'

// Models

export { c, type ArrayElement } from './model/column-types.ts'
export type { AnyColumn, Column, ColumnConfig, ColumnKind, ModelColumn, ReferenceOptions, ReferenceTarget, ReferentialAction, ServerDefault } from './model/column.ts'
export { defineModel, defineTable, type AnyModel, type CheckDefinition, type IndexDefinition, type Model, type ModelOptions, type NamedColumns, type TableDefinition } from './model/define-model.ts'
export type { ColumnValidator, MethodsOf, ModelBehaviour, ModelHooks, ModelValidationResult, ValidationResult } from './model/behaviour.ts'
export type { Naming } from './model/naming.ts'
export type { AnyDatabase, DatabaseOf, InsertOf, KyselyTableOf, RowOf, SelectValue, UpdateOf, WriteValue } from './model/infer.ts'
export type { ModelSchemas } from './model/model-schemas.ts'
export { relations, type BelongsTo, type CascadeOptions, type HasMany, type HasOne, type ManyToMany, type ModelRelations, type ParentSideOptions, type Relation, type RelationBuilders } from './model/relations.ts'

// Queries and pagination

export { Query, type ModelDatabase, type QueryExpression, type RelatedCondition, type RelatedQuery } from './query/query.ts'
export type { CollectionName, JoinableName, JoinedPath, JoinedValue, RelationshipName, TargetOf } from './query/relationship-types.ts'
export type { RelationSpec } from './query/relation-loader.ts'
export { Pagination, type IterPagesOptions, type PaginationInit, type PaginationJSON } from './query/pagination.ts'
export { CursorPagination, type CursorPageInput, type CursorPaginateOptions, type CursorPaginationJSON } from './query/cursor-pagination.ts'
export type { PageRequestInput, PaginateOptions, RequestLike } from './query/page-request.ts'

// Errors

export {
  CheckViolationError,
  CircularDependencyError,
  ConfigurationError,
  ConnectionError,
  ConnectionLostError,
  ConstraintViolationError,
  DatabaseError,
  DependentObjectsError,
  DriverNotInstalledError,
  ForeignKeyViolationError,
  InvalidArgumentError,
  InvalidCursorError,
  InvalidValueError,
  MigrationError,
  MultipleResultsError,
  NPlusOneError,
  NotFoundError,
  NotNullViolationError,
  OrmError,
  PoolTimeoutError,
  RelationNotLoadedError,
  RequestAbortedError,
  SchemaMismatchError,
  SessionStateError,
  StatementTimeoutError,
  UniqueViolationError,
  UnknownPropertyError,
  UnknownRelationshipError,
  UnsupportedNodeError,
  UntrackedObjectError,
  type ConstraintDetails
} from './errors.ts'
export { ModelDefinitionError } from './model/model-definition-error.ts'

// Migrations: what `app.db.migrations()` returns and what revision files use

export type { GeneratedRevision, HistoryEntry, Migrations, MigrationsOptions } from './migration/migrations.ts'
export type { ForeignKeyActions, MigrationOperations, MigrationTypes, PrimaryKeyShape } from './dialect/migration-operations.ts'
export type { MigrationContext } from './migration/migration-context.ts'
export type { Revision } from './migration/revision.ts'

// Model diagrams: the models as data, SVG and Mermaid (the CLI's `diagram` command)

export { modelGraph, type Cardinality, type GraphColumn, type GraphRelationship, type GraphRelationshipName, type GraphTable, type ModelGraph, type ModelGraphInput } from './diagram/model-graph.ts'
export { renderSvg } from './diagram/svg.ts'
export { renderMermaid } from './diagram/mermaid.ts'
