import type { Scenario } from '../lib/scenario.ts'
import { createRow } from './create-row.ts'
import { getByPk } from './get-by-pk.ts'
import { getByPkSession } from './get-by-pk-session.ts'
import { paginatedList } from './paginated-list.ts'
import { userPostsTags } from './user-posts-tags.ts'

/** Every scenario, by name, in the order `npm run bench` runs them. Add new ones here. */
export const scenarios: ReadonlyMap<string, Scenario> = new Map(
  [getByPk, getByPkSession, paginatedList, userPostsTags, createRow].map((scenario) => [scenario.name, scenario]))

export function getScenario (name: string): Scenario {
  const scenario = scenarios.get(name)
  if (!scenario) throw new Error(`Unknown scenario "${name}". Known: ${[...scenarios.keys()].join(', ')}`)
  return scenario
}
