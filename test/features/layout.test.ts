// test/ mirrors lib/: each lib file has a unit test file at the same relative
// path, so that the behaviour of a file is looked for, and added, in one place.
import { test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..', '..')

/** lib files without behaviour of their own, and why. */
const EXEMPT: Record<string, string> = {
  'lib/symbols.ts': 'declarations only (one Symbol per piece of state); what each keys is tested where it is read and written'
}

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.c?ts$/.test(entry.name) ? [relative(root, path)] : []
  })
}

test('every lib file has test/<same path>.test.ts', async t => {
  const files = sources(join(root, 'lib'))
  t.ok(files.length > 20, `${files.length} lib files`)
  const missing = files.filter(file => !Object.hasOwn(EXEMPT, file) && !existsSync(join(root, file.replace(/^lib\//, 'test/').replace(/\.c?ts$/, '.test.ts'))))
  t.same(missing, [], 'lib files without a unit test file of their name')
  for (const file of Object.keys(EXEMPT)) t.ok(files.includes(file), `${file} is exempt and exists`)
})
