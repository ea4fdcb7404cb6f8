// The example app's dev page in a real headless Chromium, served on a real port, with
// JavaScript off (the page runs none): the diagram names every model and relationship, a
// request made to the app appears after a reload with its statements, and a screenshot is
// taken. Skipped only where /usr/bin/chromium is missing and FASTIFY_ORM_REQUIRE_BROWSER is
// unset; CI sets it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import t from 'tap'
import { buildApp } from '../../example-app/app.ts'
import { models } from '../../example-app/models.ts'
import { createTestDatabase } from '../helpers/databases.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

const missing = !existsSync(CHROMIUM)
if (missing && process.env.FASTIFY_ORM_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is required (FASTIFY_ORM_REQUIRE_BROWSER is set): apt-get install chromium`)
const skip = missing ? `${CHROMIUM} is missing: apt-get install chromium to run the dev page in a browser` : false

/** Every table (a model's or a plain table's) and every relationship (`Model.name`) the example app registers. */
function expectedNames (): { tables: string[], relationships: string[] } {
  const tables: string[] = []
  const relationships: string[] = []
  for (const entry of Object.values(models)) {
    if ('kind' in entry && entry.kind === 'relations') relationships.push(...Object.keys(entry.relations).map((name) => `${entry.model.name}.${name}`))
    else tables.push((entry as { tableName: string }).tableName)
  }
  return { tables, relationships }
}

t.test('the example app\'s dev page in Chromium', { skip }, async (t) => {
  const previousNodeEnv = process.env.NODE_ENV
  delete process.env.NODE_ENV
  t.teardown(() => { if (previousNodeEnv !== undefined) process.env.NODE_ENV = previousNodeEnv })
  const database = await createTestDatabase('sqlite')
  if (typeof database === 'string') throw new Error(database)
  t.teardown(database.drop)
  const app = await buildApp({ databaseUrl: database.url, devPage: true, logger: false })
  t.teardown(() => app.close())
  const base = await app.listen({ port: 0, host: '127.0.0.1' })

  const dir = mkdtempSync(join(tmpdir(), 'orm-devpage-browser-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: ARGS, javaScriptEnabled: false, viewport: { width: 1280, height: 900 }
  })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const requested: string[] = []
  page.on('request', (request) => { requested.push(request.url()) })

  const response = await page.goto(`${base}/_db`)
  t.equal(response?.status(), 200)
  t.equal(await page.title(), 'fastify-orm dev page')

  const svg = page.locator('#models svg')
  t.equal(await svg.count(), 1, 'one diagram')
  const texts = await svg.locator('text').allTextContents()
  const roles = (await svg.locator('tspan').allTextContents()).flatMap((role) => role.split(', '))
  const lines = (await svg.locator('g > title').allTextContents()).join('\n')
  const { tables, relationships } = expectedNames()
  t.ok(tables.length >= 7 && relationships.length >= 8, `${tables.length} tables, ${relationships.length} relationships`)
  for (const table of tables) t.ok(texts.some((text) => text === table || text.startsWith(`${table} (`)), `the diagram has a box for ${table}`)
  for (const relationship of relationships) {
    t.ok(lines.includes(relationship), `a line stands for ${relationship}`)
    t.ok(roles.includes(relationship.split('.')[1] as string), `${relationship} is labelled`)
  }
  const box = await svg.boundingBox()
  t.ok(box !== null && box.width > 200 && box.height > 100, 'the diagram is drawn at a readable size')
  t.match(await page.locator('#migrations').textContent(), /up to date/, 'the committed migrations were applied')
  t.match(await page.locator('#requests').textContent(), /None yet/)

  // A request to the app, then a reload: it is listed with its statements.
  const created = await fetch(`${base}/movies`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Alien', year: 1979, directors: ['Ridley Scott'] })
  })
  t.equal(created.status, 201)
  await page.reload()
  const entries = page.locator('#requests details.request')
  t.equal(await entries.count(), 1)
  const entry = entries.first()
  t.match(await entry.locator('summary').textContent(), /POST\s*\/movies\s*201/)
  t.notOk(await entry.locator('table').isVisible(), 'statements are folded until opened')
  await entry.locator('summary').click()
  t.ok(await entry.locator('table').isVisible(), 'a click opens them, without JavaScript')
  t.match(await entry.locator('table').textContent(), /insert into "?movie"?/i)

  t.strictSame(requested.filter((url) => !url.startsWith(base)), [], 'the page loads nothing from another origin')

  const screenshot = join(dir, 'dev-page.png')
  await page.screenshot({ path: screenshot, fullPage: true })
  const png = readFileSync(screenshot)
  t.strictSame([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG was written')
  t.ok(png.length > 10_000, `the screenshot has content (${png.length} bytes)`)
})
