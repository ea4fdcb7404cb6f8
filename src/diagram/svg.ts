import { snakeCase } from '../model/naming.ts'
import type { GraphColumn, GraphRelationship, GraphTable, ModelGraph } from './model-graph.ts'

// Monospace text, so that widths can be computed without measuring fonts: 0.6em per character.
const FONT = 'ui-monospace, SFMono-Regular, Menlo, Consolas, \'Liberation Mono\', monospace'
const FONT_SIZE = 12
const CHAR = FONT_SIZE * 0.6
const ROW = 20
const HEADER = 26
const PAD = 10
const GAP = 16
const MARGIN = 24
const LAYER_GAP = 150
// A label's baseline above a line, below it, and from one label to the next.
const LABEL_RISE = 5
const LABEL_DROP = 13
const LABEL_LINE = 12
const BOX_GAP = 44

interface Box {
  readonly table: GraphTable
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
  readonly markerWidth: number
}

type Side = 'left' | 'right'

interface Anchor { readonly x: number, readonly y: number, readonly side: Side }

/** An anchor once spread, with the baseline of its label. */
interface Slot extends Anchor { readonly labelY: number }

/**
 * The model diagram as a standalone SVG document: one box per table (name, then each
 * column with its type and PK/FK/UQ markers; `?` marks a nullable type), a line per foreign
 * key (solid) and per many-to-many relationship (dashed), with the cardinality at both ends.
 * Tables are laid out in columns by foreign-key depth (referenced tables on the left), in
 * the graph's order, so the same models always give the same bytes. No external CSS or font.
 *
 * @example
 * ```ts
 * import { modelGraph, renderSvg } from 'fastify-orm'
 * app.get('/dev/models.svg', async (request, reply) => reply.type('image/svg+xml').send(renderSvg(modelGraph(models))))
 * ```
 */
export function renderSvg (graph: ModelGraph): string {
  const boxes = layout(graph)
  const edges = graph.relationships.flatMap((relationship) => {
    const from = boxes.get(relationship.from)
    const to = boxes.get(relationship.to)
    return from && to ? [{ relationship, from, to }] : []
  })
  const anchors = spreadAnchors(edges.map(({ relationship, from, to }) => endpoints(relationship, from, to)))
  const columns = columnsOf(boxes)
  const corridors = new Map<string, number>()
  const routes = anchors.map(([start, end]) => route(start, end, columns, corridors))
  const width = Math.max(240, ...[...boxes.values()].map((box) => box.x + box.width + MARGIN))
  const height = Math.max(80, ...[...boxes.values()].map((box) => box.y + box.height + MARGIN), ...routes.map((entry) => entry.bottom + MARGIN))
  const lines: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}" font-size="${FONT_SIZE}">`,
    '<title>Model diagram</title>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`
  ]
  if (graph.tables.length === 0) {
    lines.push(`<text x="${MARGIN}" y="${MARGIN + FONT_SIZE}" fill="#374151">No models registered</text>`)
  }
  const labels: string[] = []
  edges.forEach(({ relationship }, index) => {
    const [start, end] = anchors[index] as [Slot, Slot]
    const dashed = relationship.kind === 'manyToMany' ? ' stroke-dasharray="6 4"' : ''
    lines.push(`<g data-from="${escapeXml(relationship.from)}" data-to="${escapeXml(relationship.to)}"><title>${escapeXml(describe(relationship))}</title>` +
      `<path d="${routes[index]?.path ?? ''}" fill="none" stroke="#6b7280" stroke-width="1.4"${dashed}/></g>`)
    const roles = roleNames(relationship)
    labels.push(label(start, relationship.fromCardinality, roles.from), label(end, relationship.toCardinality, roles.to))
  })
  for (const box of boxes.values()) lines.push(...tableBox(box))
  lines.push(...labels, '</svg>')
  return `${lines.join('\n')}\n`
}

const HALO = 'stroke="#ffffff" stroke-width="3" paint-order="stroke"'

/** `&`, `<`, `>` and both quotes as entities: safe in text and in attribute values. */
export function escapeXml (text: string): string {
  return text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&apos;' })[character] as string)
}

/**
 * Columns by foreign-key depth. The first column lists the tables with lines to other tables
 * first; each later one orders its tables by the mean height of the tables they are linked to
 * on their left, and moves each down towards that height, so that lines run short and level.
 */
function layout (graph: ModelGraph): Map<string, Box> {
  const layers: GraphTable[][] = []
  for (const table of graph.tables) (layers[table.depth] ??= []).push(table)
  const neighbours = new Map<string, string[]>()
  for (const { from, to } of graph.relationships) {
    if (from === to) continue
    neighbours.set(from, [...neighbours.get(from) ?? [], to])
    neighbours.set(to, [...neighbours.get(to) ?? [], from])
  }
  const boxes = new Map<string, Box>()
  let x = MARGIN
  for (const layer of layers) {
    if (!layer) continue
    const target = (table: GraphTable): number => {
      const placed = (neighbours.get(table.id) ?? []).flatMap((id) => {
        const box = boxes.get(id)
        return box ? [box.y + box.height / 2] : []
      })
      if (placed.length > 0) return placed.reduce((sum, y) => sum + y, 0) / placed.length
      return neighbours.has(table.id) ? Number.MAX_SAFE_INTEGER - 1 : Number.MAX_SAFE_INTEGER
    }
    const sized = layer.map((table, index) => ({ table, index, target: target(table), ...size(table) }))
      .sort((a, b) => a.target - b.target || a.index - b.index)
    const layerWidth = Math.max(...sized.map((entry) => entry.width))
    let y = MARGIN
    for (const entry of sized) {
      const wanted = entry.target < Number.MAX_SAFE_INTEGER - 1 ? Math.round(entry.target - entry.height / 2) : y
      const top = Math.max(y, wanted)
      boxes.set(entry.table.id, { table: entry.table, x, y: top, width: entry.width, height: entry.height, markerWidth: entry.markerWidth })
      y = top + entry.height + BOX_GAP
    }
    x += layerWidth + LAYER_GAP
  }
  return boxes
}

function size (table: GraphTable): { width: number, height: number, markerWidth: number } {
  const longest = (texts: string[]): number => Math.max(0, ...texts.map((text) => text.length))
  const markers = longest(table.columns.map(markerText))
  const markerWidth = markers === 0 ? 0 : markers * CHAR + GAP / 2
  const rows = markerWidth + longest(table.columns.map((column) => column.name)) * CHAR + GAP + longest(table.columns.map(typeText)) * CHAR
  const width = Math.ceil(Math.max(rows, headerText(table).length * CHAR) + 2 * PAD)
  return { width, height: HEADER + table.columns.length * ROW, markerWidth }
}

function headerText (table: GraphTable): string {
  // The model's name only when the table's name is not simply derived from it.
  const name = snakeCase(table.modelName) === table.tableName ? table.tableName : `${table.tableName} (${table.modelName})`
  return table.bind === 'default' ? name : `${name} [${table.bind}]`
}

function markerText (column: GraphColumn): string {
  return [column.primaryKey ? 'PK' : '', column.foreignKey ? 'FK' : '', column.unique && !column.primaryKey ? 'UQ' : ''].filter(Boolean).join(' ')
}

function typeText (column: GraphColumn): string {
  return `${column.type}${column.nullable ? '?' : ''}`
}

function tableBox (box: Box): string[] {
  const { table, x, y, width, height } = box
  const lines = [
    `<g data-table="${escapeXml(table.id)}">`,
    `<rect x="${x}" y="${y}" width="${width}" height="${height}" rx="4" fill="#ffffff" stroke="#374151" stroke-width="1.2"/>`,
    `<rect x="${x}" y="${y}" width="${width}" height="${HEADER}" rx="4" fill="#e5e7eb" stroke="#374151" stroke-width="1.2"/>`,
    `<text x="${x + PAD}" y="${y + HEADER / 2 + 4}" font-weight="bold" fill="#111827">${escapeXml(headerText(table))}</text>`
  ]
  table.columns.forEach((column, index) => {
    const top = y + HEADER + index * ROW
    const baseline = top + ROW / 2 + 4
    if (index > 0) lines.push(`<line x1="${x}" y1="${top}" x2="${x + width}" y2="${top}" stroke="#e5e7eb"/>`)
    const marker = markerText(column)
    if (marker !== '') lines.push(`<text x="${x + PAD}" y="${baseline}" font-size="10" fill="#b45309">${marker}</text>`)
    lines.push(`<text x="${round(x + PAD + box.markerWidth)}" y="${baseline}" fill="#111827"${column.primaryKey ? ' font-weight="bold"' : ''}>${escapeXml(column.name)}</text>`)
    lines.push(`<text x="${x + width - PAD}" y="${baseline}" text-anchor="end" fill="#6b7280">${escapeXml(typeText(column))}</text>`)
  })
  lines.push('</g>')
  return lines
}

/** The middle of a column's row, or of the header when the column is not shown. */
function rowY (box: Box, column: string | undefined): number {
  const index = column === undefined ? -1 : box.table.columns.findIndex((candidate) => candidate.name === column)
  return index < 0 ? box.y + HEADER / 2 : box.y + HEADER + index * ROW + ROW / 2
}

/** Where a line leaves `from` and reaches `to`: facing sides, or both right sides within one layer. */
function endpoints (relationship: GraphRelationship, from: Box, to: Box): [Anchor, Anchor] {
  const fromColumn = relationship.kind === 'foreignKey' ? relationship.columns[0] : relationship.referencedColumns[0]
  const toColumn = relationship.kind === 'foreignKey' ? relationship.referencedColumns[0] : relationship.referencedColumns[1]
  const fromSide: Side = from.x < to.x ? 'right' : from.x > to.x ? 'left' : 'right'
  const toSide: Side = from.x < to.x ? 'left' : 'right'
  const at = (box: Box, side: Side, column: string | undefined): Anchor => ({ x: side === 'left' ? box.x : box.x + box.width, y: rowY(box, column), side })
  return [at(from, fromSide, fromColumn), at(to, toSide, toColumn)]
}

/**
 * Lines meeting at one point are spread a little along the row, ordered by where their other
 * end is so that they do not cross there. The upper half of them label above the point, the
 * lower half below it, each label a line of text further out than the one nearer the middle.
 */
function spreadAnchors (pairs: Array<[Anchor, Anchor]>): Array<[Slot, Slot]> {
  const key = (anchor: Anchor): string => `${anchor.x},${anchor.y}`
  const groups = new Map<string, Array<{ pair: number, end: 0 | 1 }>>()
  pairs.forEach((pair, index) => {
    for (const end of [0, 1] as const) {
      const group = groups.get(key(pair[end])) ?? []
      group.push({ pair: index, end })
      groups.set(key(pair[end]), group)
    }
  })
  const slots = pairs.map((pair) => pair.map((anchor) => ({ ...anchor, labelY: anchor.y - LABEL_RISE })) as [Slot, Slot])
  for (const group of groups.values()) {
    if (group.length < 2) continue
    const other = (entry: { pair: number, end: 0 | 1 }): Anchor => (pairs[entry.pair] as [Anchor, Anchor])[entry.end === 0 ? 1 : 0]
    // Stable: equal heights keep the graph's order.
    const ordered = group.map((entry, index) => ({ entry, index })).sort((a, b) => other(a.entry).y - other(b.entry).y || a.index - b.index)
    const step = Math.min(6, (ROW - 4) / group.length)
    const offset = (position: number): number => (position - (group.length - 1) / 2) * step
    const upper = Math.ceil(group.length / 2)
    ordered.forEach(({ entry }, position) => {
      const slot = (slots[entry.pair] as [Slot, Slot])[entry.end]
      const labelY = position < upper
        ? slot.y + offset(0) - LABEL_RISE - (upper - 1 - position) * LABEL_LINE
        : slot.y + offset(group.length - 1) + LABEL_DROP + (position - upper) * LABEL_LINE
      ;(slots[entry.pair] as [Slot, Slot])[entry.end] = { ...slot, y: slot.y + offset(position), labelY }
    })
  }
  return slots
}

/** A column of the layout: its left edge, its width and its boxes, top first. */
interface Column { readonly x: number, readonly width: number, readonly boxes: readonly Box[] }

function columnsOf (boxes: ReadonlyMap<string, Box>): Column[] {
  const byX = new Map<number, Box[]>()
  for (const box of boxes.values()) byX.set(box.x, [...byX.get(box.x) ?? [], box])
  return [...byX.entries()].sort(([a], [b]) => a - b).map(([x, column]) => ({
    x, width: Math.max(...column.map((box) => box.width)), boxes: [...column].sort((a, b) => a.y - b.y)
  }))
}

const CLEARANCE = 10

/**
 * The path of a line. A line between neighbouring columns is one curve; a longer one
 * crosses each column between through the free gap nearest its straight course (above,
 * between or below the boxes), so it never runs under a table it has nothing to do with.
 */
function route (start: Anchor, end: Anchor, columns: readonly Column[], corridors: Map<string, number>): { path: string, bottom: number } {
  const left = Math.min(start.x, end.x)
  const right = Math.max(start.x, end.x)
  const between = start.side === end.side ? [] : columns.filter((column) => column.x > left && column.x + column.width < right)
  if (between.length === 0) return { path: curve(start, end), bottom: Math.max(start.y, end.y) }
  const rightwards = end.x > start.x
  const points: Array<{ x: number, y: number }> = [start]
  for (const column of rightwards ? between : [...between].reverse()) {
    const middle = column.x + column.width / 2
    const wanted = start.y + (end.y - start.y) * (middle - start.x) / (end.x - start.x)
    const gaps: Array<[number, number]> = []
    let top = CLEARANCE
    for (const box of column.boxes) {
      gaps.push([top, box.y - CLEARANCE])
      top = box.y + box.height + CLEARANCE
    }
    gaps.push([top, Number.POSITIVE_INFINITY])
    let best: { y: number, gap: number } | undefined
    gaps.forEach(([low, high], gap) => {
      if (low > high) return
      const y = Math.min(Math.max(wanted, low), high)
      if (!best || Math.abs(y - wanted) < Math.abs(best.y - wanted)) best = { y, gap }
    })
    const chosen = best ?? { y: top, gap: gaps.length - 1 }
    // Lines sharing a gap are drawn side by side.
    const key = `${column.x}:${chosen.gap}`
    const used = corridors.get(key) ?? 0
    corridors.set(key, used + 1)
    const [low, high] = gaps[chosen.gap] as [number, number]
    const y = Math.min(Math.max(chosen.y + used * 6, low), high)
    points.push({ x: rightwards ? column.x - CLEARANCE : column.x + column.width + CLEARANCE, y })
    points.push({ x: rightwards ? column.x + column.width + CLEARANCE : column.x - CLEARANCE, y })
  }
  points.push(end)
  const point = (p: { x: number, y: number }): string => `${round(p.x)} ${round(p.y)}`
  const segments = points.slice(1).map((to, index) => {
    const from = points[index] as { x: number, y: number }
    // Odd segments cross a column straight; the others bend with level tangents at both ends.
    if (index % 2 === 1) return `L ${point(to)}`
    const half = (to.x - from.x) / 2
    return `C ${point({ x: from.x + half, y: from.y })}, ${point({ x: to.x - half, y: to.y })}, ${point(to)}`
  })
  return { path: `M ${point(start)} ${segments.join(' ')}`, bottom: Math.max(...points.map((p) => p.y)) }
}

function curve (start: Anchor, end: Anchor): string {
  const direction = (anchor: Anchor): number => anchor.side === 'left' ? -1 : 1
  const sameSide = start.side === end.side
  const reach = sameSide ? 36 + Math.abs(end.y - start.y) / 4 : Math.max(40, Math.abs(end.x - start.x) / 2)
  // A loop back to the same side is opened up to a visible height.
  const open = sameSide ? Math.max(0, 16 - Math.abs(end.y - start.y)) : 0
  const upwards = end.y >= start.y ? -1 : 1
  const c1 = { x: start.x + direction(start) * reach, y: start.y + upwards * open }
  const c2 = { x: end.x + direction(end) * reach, y: end.y - upwards * open }
  const point = (p: { x: number, y: number }): string => `${round(p.x)} ${round(p.y)}`
  return `M ${point(start)} C ${point(c1)}, ${point(c2)}, ${point(end)}`
}

/** The cardinality at one end of a line, then the name of the relationship that leads to that end. */
function label (slot: Slot, cardinality: string, role: string): string {
  const x = slot.side === 'left' ? slot.x - 6 : slot.x + 6
  const y = slot.labelY
  const anchor = slot.side === 'left' ? 'end' : 'start'
  const name = role === '' ? '' : ` <tspan font-weight="normal" fill="#4b5563">${escapeXml(role)}</tspan>`
  return `<text x="${round(x)}" y="${round(y)}" text-anchor="${anchor}" font-size="11" font-weight="bold" fill="#1f2937" ${HALO}>${escapeXml(cardinality)}${name}</text>`
}

/**
 * Each relationship's name goes at the end it leads to: `author` (Post → User) by the user
 * table, `posts` (User → Post) by the post table. A many-to-many line is oriented by its
 * first relationship, so that one leads to `to` and its inverse to `from`.
 */
function roleNames (relationship: GraphRelationship): { from: string, to: string } {
  const from: string[] = []
  const to: string[] = []
  relationship.relationships.forEach((entry, index) => {
    const towardsTo = entry.kind === 'belongsTo' || (entry.kind === 'manyToMany' && index === 0)
    ;(towardsTo ? to : from).push(entry.name)
  })
  return { from: from.join(', '), to: to.join(', ') }
}

function describe (relationship: GraphRelationship): string {
  const declared = relationship.relationships.map((entry) => `${entry.model}.${entry.name}`).join(', ')
  const ends = relationship.kind === 'manyToMany'
    ? `${relationship.from} ${relationship.fromCardinality} to ${relationship.toCardinality} ${relationship.to} through ${relationship.through ?? ''}`
    : `${relationship.from}.${relationship.columns.join(', ')} → ${relationship.to}.${relationship.referencedColumns.join(', ')}: ${relationship.fromCardinality} to ${relationship.toCardinality}`
  return declared === '' ? ends : `${ends} (${declared})`
}

function round (value: number): string {
  return String(Math.round(value * 10) / 10)
}
