import type { ColumnConfig, ServerDefault } from '../../model/column.ts'

/**
 * A single-quoted JS string literal that reads back as exactly `value`: backslashes,
 * quotes, line breaks and control characters escaped (JSON's rules, in standard style's quotes).
 *
 * @example
 * ```ts
 * stringLiteral("it's") // "'it\\'s'"
 * ```
 */
export function stringLiteral (value: string): string {
  let text = ''
  for (const char of value) {
    const code = char.codePointAt(0) as number
    if (char === '\\' || char === '\'') text += `\\${char}`
    else if (char === '\n') text += '\\n'
    else if (char === '\r') text += '\\r'
    else if (char === '\t') text += '\\t'
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) text += `\\u${code.toString(16).padStart(4, '0')}`
    else text += char
  }
  return `'${text}'`
}

/**
 * An array literal of strings.
 *
 * @example
 * ```ts
 * stringArray(['title', 'year']) // "['title', 'year']"
 * ```
 */
export function stringArray (values: readonly string[]): string {
  return `[${values.map(stringLiteral).join(', ')}]`
}

/**
 * The `c.*` expression of a column declaration, with what DDL reads of it: type,
 * `.nullable()`, `.autoincrement()` or `.identity(…)`, `.generatedAs(…)`, `.serverDefault(…)`, `.comment(…)`. Keys, indexes and references are
 * table constraints, written separately.
 *
 * @example
 * ```ts
 * columnExpression({ kind: 'string', length: 10, nullable: true, primaryKey: false }) // 'c.string(10).nullable()'
 * ```
 */
export function columnExpression (config: ColumnConfig): string {
  let text = typeExpression(config)
  if (config.nullable) text += '.nullable()'
  if (config.identity !== undefined) text += `.identity(${stringLiteral(config.identity)})`
  else if (config.autoincrement === true) text += '.autoincrement()'
  if (config.generated !== undefined) text += `.generatedAs(${stringLiteral(config.generated.expression)}${config.generated.stored ? '' : ', { stored: false }'})`
  if (config.serverDefault !== undefined) text += `.serverDefault(${serverDefaultExpression(config.serverDefault)})`
  if (config.comment !== undefined) text += `.comment(${stringLiteral(config.comment)})`
  return text
}

function typeExpression (config: ColumnConfig): string {
  switch (config.kind) {
    case 'integer': return 'c.integer()'
    case 'bigInteger': return 'c.bigInteger()'
    case 'float': return 'c.float()'
    case 'numeric': return `c.numeric(${config.precision}, ${config.scale})`
    case 'boolean': return 'c.boolean()'
    case 'string': return `c.string(${config.length})`
    case 'text': return 'c.text()'
    case 'dateTime': return config.withTimezone === true ? 'c.dateTime({ withTimezone: true })' : 'c.dateTime()'
    case 'date': return 'c.date()'
    case 'json': return 'c.json()'
    case 'binary': return 'c.binary()'
    case 'uuid': return 'c.uuid()'
    case 'enum': return `c.enumeration(${stringArray(config.values ?? [])})`
    case 'array': return `c.array(${typeExpression(config.element as ColumnConfig)})`
  }
}

function serverDefaultExpression (value: ServerDefault): string {
  if (typeof value === 'object') return `{ sql: ${stringLiteral(value.sql)} }`
  return typeof value === 'string' ? stringLiteral(value) : String(value)
}
