// Builds dist/esm (import) and dist/cjs (require), each with its own .d.ts,
// so that both module systems get the right runtime and the right types.
import { execFileSync } from 'node:child_process'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import ts from 'typescript'

const tsc = (project) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' })

rmSync('dist', { recursive: true, force: true })
tsc('tsconfig.esm.json')
tsc('tsconfig.cjs.json')
// dist/cjs holds CommonJS although the package is "type": "module".
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n')

// As Fastify's own plugins do, require('fastify-cors-exact') returns the plugin itself, with the named exports
// as its properties (fastify-plugin has already set its `default` to itself). Its types say so with `export =`,
// which is what makes `import cors = require('fastify-cors-exact'); app.register(cors)` type-check (a module
// object is no plugin: TS2769). The namespace is generated from the compiled exports, so it cannot miss one.
renameSync('dist/cjs/index.js', 'dist/cjs/exports.js')
renameSync('dist/cjs/index.d.ts', 'dist/cjs/exports.d.ts')
writeFileSync('dist/cjs/index.js', `'use strict'
const exported = require('./exports.js')
module.exports = Object.assign(exported.corsPlugin, exported)
`)
writeFileSync('dist/cjs/index.d.ts', commonJsTypes('dist/cjs/exports.d.ts'))

function commonJsTypes (file) {
  const program = ts.createProgram([file], { skipLibCheck: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 })
  const checker = program.getTypeChecker()
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)))
  const members = exports.filter(symbol => symbol.name !== 'default').map(symbol => {
    const flags = (symbol.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(symbol).flags : symbol.flags
    return (flags & ts.SymbolFlags.Value) !== 0
      ? `  export const ${symbol.name}: typeof exported.${symbol.name}`
      : `  export type ${symbol.name} = exported.${symbol.name}`
  })
  return `// require('fastify-cors-exact'): the plugin, with the named exports as its properties.
import type * as exported from './exports.js'
declare function cors (...args: Parameters<typeof exported.corsPlugin>): ReturnType<typeof exported.corsPlugin>
declare namespace cors {
${members.join('\n')}
  export { corsPlugin as default }
}
export = cors
`
}
