// Builds dist/esm (import) and dist/cjs (require), each with its own .d.ts,
// so that both module systems get the right runtime and the right types.
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'

const tsc = (project) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' })

rmSync('dist', { recursive: true, force: true })
tsc('tsconfig.esm.json')
tsc('tsconfig.cjs.json')
// dist/cjs holds CommonJS although the package is "type": "module".
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n')
