// Every column type and option (within what MySQL can store: no text, json or binary in a
// key, no literal default on them), as test/introspection/round-trip.test.ts declares them,
// plus the seed tutorials' models (relations, composite keys, a self-reference).
import { c, defineModel, defineTable } from '../../../src/index.ts'
import { seedModels } from '../../fixtures/seed-models.ts'

export const Team = defineModel('Team', {
  id: c.bigInteger().primaryKey(),
  name: c.string(80).unique(),
  tier: c.enumeration(['basic']).serverDefault('basic')
})

export const Account = defineModel('Account', {
  id: c.bigInteger().primaryKey(),
  email: c.string(120).unique(),
  handle: c.string(40).unique('uq_account_handle_custom'),
  firstName: c.string(50),
  lastName: c.string(50),
  balance: c.numeric(12, 2).serverDefault(0),
  ratio: c.float().nullable(),
  level: c.integer().serverDefault(-1).check('level >= -1'),
  active: c.boolean().serverDefault(true),
  locked: c.boolean().serverDefault(false),
  bio: c.text().nullable(),
  born: c.date().nullable(),
  createdAt: c.dateTime().serverDefault({ sql: 'CURRENT_TIMESTAMP' }),
  seenAt: c.dateTime({ withTimezone: true }).nullable(),
  settings: c.json().nullable(),
  avatar: c.binary().nullable(),
  token: c.uuid(),
  role: c.enumeration(['member', 'admin', 'o\'hara']).serverDefault('member'),
  nick: c.string(20).serverDefault('it\'s'),
  score: c.numeric(5, 1).serverDefault('2.50'),
  scores: c.array(c.integer()),
  labels: c.array(c.string(30)).nullable(),
  flags: c.array(c.boolean()).nullable(),
  teamId: c.bigInteger().nullable().references(() => Team, { onDelete: 'set null', onUpdate: 'cascade' }),
  mentorId: c.bigInteger().nullable().references('account.id', { onDelete: 'restrict', name: 'fk_mentor' }),
  region: c.string(10).index(),
  city: c.string(40).index('ix_custom_city')
}, {
  naming: 'snake_case',
  unique: [['firstName', 'lastName'], { columns: ['region', 'city'], name: 'uq_place' }],
  indexes: [{ columns: ['lastName', 'firstName'] }, { columns: ['token'], unique: true }, { columns: ['teamId', 'region'], name: 'ix_team_region' }],
  checks: { balance_positive: 'balance >= 0', names: 'FIRST_NAME <> \'\' AND (last_name <> \'\' OR level > 0)' }
})

export const membership = defineTable('membership', {
  accountId: c.bigInteger().references(() => Account, { onDelete: 'cascade' }),
  teamId: c.bigInteger().references(() => Team, { onDelete: 'cascade', onUpdate: 'restrict' }),
  since: c.date().serverDefault('2024-01-01')
}, { primaryKey: ['accountId', 'teamId'], naming: 'snake_case' })

export const everyTypeModels = { ...seedModels, Team, Account, membership }
