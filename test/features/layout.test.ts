// test/ mirrors lib/: each lib file has a unit test file at the same relative
// path, so that the behaviour of a file is looked for, and added, in one place.
import { test } from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

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

/** lib/'s folders from the bottom up: a file may import its own folder's files and those of the folders below. */
const LAYERS = ['spec', 'config', 'policy', 'routing', 'request']

/** The lib files a source file imports, as paths relative to the root (type-only imports included: they tie the layers too). */
function libImports (file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(match => relative(root, join(root, dirname(file), match[1])).replace(/\.c?js$/, ''))
}

const layerOf = (file: string): string => file.split('/')[1]

test('no layer of lib/ imports a layer above it; spec/ and symbols.ts import nothing of lib/', async t => {
  const files = sources(join(root, 'lib'))
  const upward: string[] = []
  for (const file of files.filter(file => file.split('/').length === 3)) {
    const level = LAYERS.indexOf(layerOf(file))
    t.not(level, -1, `${file} is in a known layer`)
    for (const imported of libImports(file)) {
      if (imported === 'lib/symbols') continue
      if (LAYERS.indexOf(layerOf(imported)) > level) upward.push(`${file} -> ${imported}`)
      if (layerOf(file) === 'spec') upward.push(`${file} -> ${imported} (spec imports nothing of lib)`)
    }
  }
  t.same(upward, [], 'imports that go up')
  t.same(libImports('lib/symbols.ts'), [])
  t.same(files.filter(file => file.split('/').length === 2).sort(), ['lib/plugin.ts', 'lib/symbols.ts'], 'at the top of lib/: the wiring and the symbols')
})
