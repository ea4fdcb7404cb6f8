import type { Cardinality, GraphColumn, GraphRelationship, ModelGraph } from './model-graph.ts'

/**
 * The model diagram as a Mermaid `erDiagram` (without the Markdown fence): each table with
 * its columns (`type name PK, FK, UK "nullable"`), a solid line per foreign key and a dotted
 * one per many-to-many relationship, labelled with the relationships' names (or the key
 * column). GitHub, GitLab and most Markdown viewers draw it.
 *
 * @example
 * ```ts
 * import { modelGraph, renderMermaid } from 'fastify-orm'
 * writeFileSync('models.mmd', renderMermaid(modelGraph(models)))
 * ```
 */
export function renderMermaid (graph: ModelGraph): string {
  const lines = ['erDiagram']
  for (const table of graph.tables) {
    lines.push(`  ${entity(table.id)} {`)
    for (const column of table.columns) lines.push(`    ${attribute(column)}`)
    lines.push('  }')
  }
  for (const relationship of graph.relationships) lines.push(`  ${relationshipLine(relationship)}`)
  return `${lines.join('\n')}\n`
}

// Mermaid's words: an entity name unquoted, or quoted without `"`, `%` or `\`; an attribute's
// type and name from letters, digits, `_`, `-`, `[]`, `()` and `*`.
const PLAIN_ENTITY = /^[A-Za-z_][A-Za-z0-9_]*$/
const NOT_IN_QUOTED = /["%\\\r\n\v\b]/g
const NOT_IN_WORD = /[^A-Za-z0-9_\-[\]()*\u00C0-\uFFFF]/g

function entity (id: string): string {
  return PLAIN_ENTITY.test(id) ? id : `"${id.replace(NOT_IN_QUOTED, '_')}"`
}

function word (text: string): string {
  const cleaned = text.replace(NOT_IN_WORD, '_')
  return /^[A-Za-z_*\u00C0-\uFFFF]/.test(cleaned) ? cleaned : `_${cleaned}`
}

function quoted (text: string): string {
  return `"${text.replace(/"/g, '\'')}"`
}

function attribute (column: GraphColumn): string {
  const keys = [column.primaryKey ? 'PK' : '', column.foreignKey ? 'FK' : '', column.unique && !column.primaryKey ? 'UK' : ''].filter(Boolean)
  const notes = [column.nullable ? 'nullable' : '', column.values ? `one of ${column.values.join(', ')}` : ''].filter(Boolean)
  return [word(column.type), word(column.name), keys.join(', '), notes.length > 0 ? quoted(notes.join('; ')) : ''].filter(Boolean).join(' ')
}

// The marker next to an entity says how many of it one row at the other end has.
const LEFT: Record<Cardinality, string> = { 1: '||', '0..1': '|o', '*': '}o' }
const RIGHT: Record<Cardinality, string> = { 1: '||', '0..1': 'o|', '*': 'o{' }

function relationshipLine (relationship: GraphRelationship): string {
  const names = relationship.relationships.map((entry) => entry.name).join(' / ')
  if (relationship.kind === 'manyToMany') {
    const label = `${names} (${relationship.through ?? ''})`
    return `${entity(relationship.from)} ${LEFT[relationship.fromCardinality]}..${RIGHT[relationship.toCardinality]} ${entity(relationship.to)} : ${quoted(label)}`
  }
  // Parent first, as ER diagrams read: user ||--o{ post.
  const label = names === '' ? relationship.columns.join(', ') : names
  return `${entity(relationship.to)} ${LEFT[relationship.toCardinality]}--${RIGHT[relationship.fromCardinality]} ${entity(relationship.from)} : ${quoted(label)}`
}
