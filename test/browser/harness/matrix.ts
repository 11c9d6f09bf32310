// Runs the browser suite's scenarios (test/browser/scenarios) in one engine:
// test/browser/{chromium,firefox,webkit}.test.ts each call runMatrix, so tap
// runs the engines as separate test files (in parallel when it has the jobs).
import type { Test } from 'tap'
import { alive, describe, descendants, sleep, type EngineName } from './engines.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { MESSAGES, SEEN, startSuite, type Suite } from './browser.js'
import { scenarios as origins } from '../scenarios/origins.js'
import { scenarios as requests } from '../scenarios/requests.js'
import { scenarios as routes } from '../scenarios/routes.js'

/** One scenario: an API with a policy, pages of some origins, their requests and what each must end with. */
export interface Scenario {
  readonly name: string
  run (t: Test, suite: Suite): Promise<void>
}

export const SCENARIOS: ReadonlyArray<{ group: string, scenarios: Scenario[] }> = [
  { group: 'origins', scenarios: origins },
  { group: 'requests', scenarios: requests },
  { group: 'routes', scenarios: routes }
]

/**
 * Starts the engine (a failure to start is a failing test, never a skip),
 * runs every scenario, then closes the engine and checks that none of its
 * processes is left; prints the engine's version and how many scenarios
 * passed. The engine is closed in a teardown too, which runs when a test
 * fails or times out.
 */
export async function runMatrix (t: Test, engine: EngineName): Promise<void> {
  const started = Date.now()
  let suite: Suite
  try {
    suite = await startSuite(engine)
  } catch (error) {
    t.fail(`${engine} did not start: ${(error as Error).message}. Run npm test as root to install it, or see scripts/ensure-browsers.js.`)
    process.stderr.write(`# browser suite: ${engine} did not start: 0 scenarios passed\n`)
    return
  }
  t.teardown(() => suite.close())
  const version = suite.engine.version
  let passed = 0
  let total = 0
  for (const { group, scenarios } of SCENARIOS) {
    for (const scenario of scenarios) {
      total++
      const results = await t.test(`${engine}: ${group}: ${scenario.name}`, async t => { await scenario.run(t, suite) })
      if (results?.ok === true) passed++
    }
  }
  await t.test(`${engine}: closing the engine leaves no process behind`, async t => {
    const pids = descendants(suite.engine.pids())
    t.ok(pids.length > 0, `${engine} runs as processes of this test: ${JSON.stringify(pids)}`)
    await suite.close()
    const deadline = Date.now() + 5000
    while (pids.some(alive) && Date.now() < deadline) await sleep(50)
    t.same(pids.filter(alive).map(describe), [], `no process left of ${JSON.stringify(pids)}`)
  })
  // The engine's message for each refusal reason, as the tests saw them (the README's reasons table quotes them).
  const messages = new URL('../../../artifacts/', import.meta.url)
  mkdirSync(messages, { recursive: true })
  writeFileSync(new URL(`browser-messages-${engine}.json`, messages), JSON.stringify({ version, seen: SEEN, messages: MESSAGES }, null, 2))
  const line = `${version}: ${passed} of ${total} scenarios passed in ${((Date.now() - started) / 1000).toFixed(1)} s`
  t.comment(line)
  // On the runner's output too (tap's reporter shows a file's comments only when it fails).
  process.stderr.write(`# browser suite: ${line}\n`)
}
