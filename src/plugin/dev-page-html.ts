import type { RegisteredTable } from '../model/registry.ts'
import type { DatabaseMigrations, RevisionStatus } from './dev-page-migrations.ts'
import type { CapturedRequest } from './dev-page-requests.ts'
import { escapeHtml as e } from './escape-html.ts'

/** Everything the dev page shows, gathered by the route. */
export interface DevPageView {
  readonly prefix: string
  readonly dialect: string
  /** The default database's URL with its password as `***`. */
  readonly database: string
  /** Every registered table, of every bind. */
  readonly tables: readonly RegisteredTable[]
  /** The model diagram as an SVG element, already escaped by its renderer; undefined when there are no models. */
  readonly diagram: string | undefined
  /** Every database's migrations, the default's first. */
  readonly migrations: readonly DatabaseMigrations[]
  readonly requests: readonly CapturedRequest[]
  /** Whether sessions record their statements (the plugin's `recordQueries`). */
  readonly recordQueries: boolean
  /** How many requests the page keeps. */
  readonly capacity: number
  /** How many were recorded since the app started. */
  readonly total: number
  readonly generatedAt: Date
}

const STYLE = `
:root{color-scheme:light;--fg:#1d2430;--muted:#5b6575;--line:#d9dee7;--bg:#f6f7f9;--card:#fff;--accent:#2557a7;--warn:#9a5b00;--warnbg:#fff4e0;--bad:#b42318;--badbg:#fdecea;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2430;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:18px;font-weight:600}
header p{margin:4px 0 0;color:#c5cbd6;font-size:13px}
header a{color:#9ec1ff}
nav{padding:8px 24px;background:#fff;border-bottom:1px solid var(--line);font-size:13px}
nav a{margin-right:16px;color:var(--accent);text-decoration:none}
main{padding:16px 24px 40px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:14px 18px;margin:0 0 16px}
h2{margin:0 0 10px;font-size:16px}
h3,h4{margin:14px 0 6px;font-size:14px}
.database{border-top:1px solid var(--line);margin-top:10px}
.database h3{font-size:15px}.database h3 .muted{font-weight:400;font-size:13px}
p.note{color:var(--muted);margin:4px 0 10px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,pre{font:12px/1.4 ui-monospace,"SFMono-Regular",Menlo,"DejaVu Sans Mono",monospace}
pre{margin:0;white-space:pre-wrap;word-break:break-word}
.diagram{overflow:auto;border:1px solid var(--line);border-radius:4px;background:#fbfcfd;margin:0 0 12px;padding:8px}
.diagram svg{display:block;max-width:none;height:auto}
.tag{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;font-weight:600;background:#eef1f5}
.tag.ok{color:var(--ok)}.tag.pending{color:var(--warn);background:var(--warnbg)}.tag.bad{color:var(--bad);background:var(--badbg)}
.s2{color:var(--ok)}.s3{color:var(--accent)}.s4{color:var(--warn)}.s5{color:var(--bad)}
details.request{border-bottom:1px solid var(--line)}
details.request>summary{display:grid;grid-template-columns:96px 64px minmax(200px,1fr) 56px 90px 100px 90px 120px;gap:8px;padding:6px 4px;cursor:pointer;align-items:baseline}
details.request>summary::-webkit-details-marker{display:none}
details.request>summary::before{content:none}
details.request[open]>summary{background:#eef3fb}
.head{display:grid;grid-template-columns:96px 64px minmax(200px,1fr) 56px 90px 100px 90px 120px;gap:8px;padding:4px;font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;border-bottom:1px solid var(--line)}
.url{overflow-wrap:anywhere;font-family:ui-monospace,Menlo,"DejaVu Sans Mono",monospace;font-size:12px}
.body{padding:6px 8px 12px 24px}
.warning{background:var(--warnbg);color:var(--warn);border-radius:4px;padding:4px 8px;margin:4px 0}
tr.failed td{background:var(--badbg)}
table.summary{width:auto;margin-bottom:6px}table.summary th{padding-right:32px}
.muted{color:var(--muted)}
`

/** The dev page's HTML: one document, its CSS inline, no script and nothing loaded from elsewhere. */
export function renderDevPage (view: DevPageView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>fastify-orm dev page</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>fastify-orm dev page</h1>
<p>${e(view.dialect)} · <code>${e(view.database)}</code> · rendered ${e(view.generatedAt.toISOString())} · <a href="${e(view.prefix)}">reload</a> · <a href="${e(view.prefix)}/requests.json">requests.json</a></p>
</header>
<nav><a href="#models">Models</a><a href="#migrations">Migrations</a><a href="#requests">Requests</a></nav>
<main>
${modelsSection(view)}
${migrationsSection(view.migrations)}
${requestsSection(view)}
</main>
</body>
</html>
`
}

function modelsSection (view: DevPageView): string {
  if (view.tables.length === 0) {
    return '<section id="models"><h2>Models</h2><p class="note">No models are registered: pass them to the plugin\'s <code>models</code> option.</p></section>'
  }
  const rows = view.tables.map((table) => {
    const relations = [...table.relations.values()].map((relation) =>
      `<code>${e(relation.name)}</code> → ${e(relation.target.modelName)} <span class="muted">(${e(relation.kind)}${relation.through ? ` through ${e(relation.through.table.tableName)}` : ''})</span>`)
    return `<tr><td><strong>${e(table.modelName)}</strong></td><td><code>${e(table.tableName)}</code></td><td>${e(table.bind)}</td>` +
      `<td class="num">${table.columns.length}</td><td>${relations.join('<br>') || '<span class="muted">—</span>'}</td></tr>`
  })
  return `<section id="models">
<h2>Models and tables (${view.tables.length})</h2>
${view.diagram === undefined ? '' : `<figure class="diagram">${view.diagram}</figure>`}
<table><thead><tr><th>Model</th><th>Table</th><th>Database</th><th class="num">Columns</th><th>Relationships</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</section>`
}

/**
 * The migrations of the default database alone, or, with binds, of each database under its
 * name (each has its own chain, folder and version table).
 */
function migrationsSection (databases: readonly DatabaseMigrations[]): string {
  const [only] = databases
  if (databases.length === 1 && only !== undefined) return `<section id="migrations"><h2>Migrations</h2>${migrationStatusHtml(only, 'h3')}</section>`
  const parts = databases.map((database) => `<div class="database" id="migrations-${e(database.name)}">
<h3>Database <code>${e(database.name)}</code> <span class="muted">${e(database.dialect)} · <code>${e(database.database)}</code></span></h3>
${migrationStatusHtml(database, 'h4')}
</div>`)
  return `<section id="migrations"><h2>Migrations (${databases.length} databases)</h2>\n${parts.join('\n')}\n</section>`
}

function migrationStatusHtml ({ name, status }: DatabaseMigrations, heading: 'h3' | 'h4'): string {
  if (status.state === 'no folder') {
    const create = name === 'default' ? '<code>fastify-orm init</code>' : '<code>fastify-orm init --multidb</code>'
    return `<p class="note">No migrations: the folder <code>${e(status.dir)}</code> does not exist. ` +
      `Create it with ${create}, or set the plugin's <code>migrations.dir</code>.</p>`
  }
  if (status.state === 'error') {
    return `<p class="note">Folder <code>${e(status.dir)}</code></p><p class="warning">${e(status.message)}</p>`
  }
  if (status.revisions.length === 0) {
    return `<p class="note">The folder <code>${e(status.dir)}</code> holds no revision yet: <code>fastify-orm migrate -m "…"</code> writes the first.</p>`
  }
  const upToDate = status.pending.length === 0
  const summary = `<table class="summary"><tbody>
<tr><th>Current</th><td><code>${e(status.current ?? 'base')}</code></td></tr>
<tr><th>Head</th><td><code>${e(status.head ?? 'base')}</code></td></tr>
<tr><th>Pending</th><td>${upToDate
    ? '<span class="tag ok">up to date</span>'
    : `<span class="tag pending">${status.pending.length} pending</span> ${status.pending.map((revision) => `<code>${e(revision.revision)}</code>`).join(', ')} — run <code>fastify-orm upgrade</code>`}</td></tr>
</tbody></table>`
  const rows = status.revisions.map((revision) => revisionRow(revision, status.head))
  return `<p class="note">Folder <code>${e(status.dir)}</code></p>
${summary}
<${heading}>History (newest first)</${heading}>
<table><thead><tr><th>Revision</th><th>Parents</th><th>Message</th><th>State</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`
}

function revisionRow (revision: RevisionStatus, head: string | null): string {
  const marks = [
    revision.applied ? '<span class="tag ok">applied</span>' : '<span class="tag pending">pending</span>',
    ...(revision.current ? ['<span class="tag">current</span>'] : []),
    ...(revision.revision === head ? ['<span class="tag">head</span>'] : [])
  ]
  return `<tr><td><code>${e(revision.revision)}</code></td><td><code>${e(revision.parents.length === 0 ? '—' : revision.parents.join(', '))}</code></td><td>${e(revision.message)}</td><td>${marks.join(' ')}</td></tr>`
}

function requestsSection (view: DevPageView): string {
  const intro = `<p class="note">The requests that used the database, newest first: ${view.requests.length} kept of ${view.total} since the app started (the page keeps ${view.capacity}). ` +
    'Statements show their SQL with placeholders; parameter values are never kept.</p>' +
    (view.recordQueries ? '' : '<p class="warning">Statements are not recorded: the plugin\'s <code>recordQueries</code> option is off (its default when <code>NODE_ENV</code> is <code>production</code>). Requests are listed without them.</p>')
  if (view.requests.length === 0) {
    return `<section id="requests"><h2>Recent requests</h2>${intro}<p class="note">None yet: make a request to the app that uses <code>request.db</code>, then reload this page.</p></section>`
  }
  const head = '<div class="head"><span>Time</span><span>Method</span><span>URL</span><span>Status</span><span class="num">Duration</span><span class="num">Statements</span><span class="num">DB time</span><span>Warnings</span></div>'
  return `<section id="requests"><h2>Recent requests</h2>${intro}${head}
${view.requests.map((request) => requestEntry(request, view.recordQueries)).join('\n')}
</section>`
}

function requestEntry (request: CapturedRequest, recordQueries: boolean): string {
  const warnings = request.warnings.length === 0
    ? '<span class="muted">—</span>'
    : request.warnings.map((warning) => `<span class="tag pending">${e(warning.kind)}</span>`).join(' ')
  const summary = `<summary><span class="muted">${e(request.at.slice(11, 23))}</span><span><strong>${e(request.method)}</strong></span>` +
    `<span class="url">${e(request.url)}</span><span class="s${Math.floor(request.statusCode / 100)}">${request.statusCode}</span>` +
    `<span class="num">${ms(request.durationMs)}</span><span class="num">${request.stats.count}</span><span class="num">${ms(request.stats.totalMs)}</span><span>${warnings}</span></summary>`
  const warningList = request.warnings.map((warning) => `<p class="warning"><strong>${e(warning.kind)}</strong> ${e(warning.message)}</p>`).join('')
  const statements = request.queries.length === 0
    ? `<p class="note">${recordQueries ? 'No statement: request.db was used without reaching the database.' : 'Not recorded (recordQueries is off).'}</p>`
    : `<table><thead><tr><th class="num">#</th><th>SQL</th><th class="num">Params</th><th class="num">Duration</th><th class="num">Rows</th><th>Database</th></tr></thead><tbody>${
      request.queries.map((query, index) => `<tr${query.failed ? ' class="failed"' : ''}><td class="num">${index + 1}</td><td><pre><code>${e(query.sql)}</code></pre>${query.failed ? '<span class="tag bad">failed</span>' : ''}</td>` +
        `<td class="num">${query.params}</td><td class="num">${ms(query.durationMs)}</td><td class="num">${query.rows === undefined ? '—' : query.rows}</td><td><code>${e(query.database)}</code></td></tr>`).join('\n')
    }</tbody></table>${request.omittedQueries > 0 ? `<p class="note">… and ${request.omittedQueries} more statements, not kept.</p>` : ''}`
  return `<details class="request" id="request-${request.seq}">${summary}<div class="body">${warningList}${statements}</div></details>`
}

function ms (value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`
}
