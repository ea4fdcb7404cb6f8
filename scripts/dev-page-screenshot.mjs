#!/usr/bin/env node
// Writes docs/dev-page.png (`npm run screenshot`, which builds first): serves the example app
// on a temporary SQLite file with the dev page on, makes a few requests, and has headless
// Chromium (/usr/bin/chromium, or CHROMIUM=path) photograph /_db with the newest request open.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { importTypescript } from '../dist/cli/typescript-loader.js'

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium'
const output = resolve(process.argv[2] ?? 'docs/dev-page.png')
const dir = mkdtempSync(join(tmpdir(), 'fastify-orm-screenshot-'))
delete process.env.NODE_ENV // the dev page is never served in production

const { buildApp } = await importTypescript(pathToFileURL(resolve('example-app/app.ts')).href)
const app = await buildApp({ databaseUrl: `sqlite:///${join(dir, 'app.db')}`, devPage: true, logger: false })
let context
try {
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const send = async (method, url, body) => {
    const response = await globalThis.fetch(base + url, {
      method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    })
    await response.arrayBuffer()
    return response.status
  }
  await send('POST', '/movies', { title: 'Alien', year: 1979, directors: ['Ridley Scott'] })
  await send('POST', '/movies', { title: 'Arrival', year: 2016, directors: ['Denis Villeneuve'] })
  await send('GET', '/movies?page=1&perPage=20')
  await send('POST', '/users', { username: 'john', email: 'john@example.com', password: 'correct horse battery staple' })
  await send('PUT', '/users/1/profile', { bio: 'Writes about databases.' })
  await send('POST', '/users/1/posts', { title: 'Hello', body: 'First post', tags: ['fastify', 'orm'] })
  await send('POST', '/users/1/posts', { title: 'Again', body: 'Second post', tags: ['orm'] })
  await send('GET', '/movies/42')
  await send('GET', '/users/1/posts')

  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    javaScriptEnabled: false,
    viewport: { width: 1360, height: 900 }
  })
  const page = await context.newPage()
  await page.goto(`${base}/_db`)
  await page.locator('#requests details.request summary').first().click()
  await page.screenshot({ path: output, fullPage: true })
  process.stdout.write(`wrote ${output}\n`)
} finally {
  await context?.close()
  await app.close()
  rmSync(dir, { recursive: true, force: true })
}
