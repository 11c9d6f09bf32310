// Where a server's time goes in one scenario: starts bench/server.js under
// `node --cpu-prof`, drives it with autocannon from this process (127.0.0.1
// only), stops it so that it writes its profile, and summarizes the profile:
// the functions with the most self time, and the CORS plugin's own time (code
// from dist/esm or @fastify/cors, and the Reply/Request accessors it calls;
// not the sending of the reply it triggers).
//
//   npm run build && node bench/profile.js [--variant ours,fastify-cors,bare] [--amount 60000] [--keep] <scenario id>...
//   e.g. node bench/profile.js list100/get-allowed list100/preflight-allowed
import { fork } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { BENCH_VARIANTS, allScenarios } from './configs.js'

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url))

const { values, positionals } = parseArgs({
  options: {
    variant: { type: 'string', default: BENCH_VARIANTS.join(',') },
    amount: { type: 'string', default: '60000' },
    connections: { type: 'string', default: '10' },
    top: { type: 'string', default: '15' },
    keep: { type: 'boolean' }
  },
  allowPositionals: true
})
const scenarios = allScenarios()
const chosen = positionals.map(id => scenarios.find(s => s.id === id) ?? (() => { throw new Error(`unknown scenario ${id}; ids: ${scenarios.map(s => s.id).join(', ')}`) })())
if (chosen.length === 0) {
  console.error(`usage: node bench/profile.js [--variant ${BENCH_VARIANTS.join(',')}] [--amount N] [--keep] <scenario id>...\nids: ${scenarios.map(s => s.id).join(', ')}`)
  process.exit(2)
}
const amount = Number(values.amount)
const connections = Number(values.connections)
const top = Number(values.top)

async function profileOne (variant, scenario) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cors-prof-'))
  const child = fork(SERVER, [variant, scenario.config], { execArgv: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100'] })
  const exited = new Promise(resolve => child.once('exit', resolve))
  const port = await new Promise((resolve, reject) => {
    child.on('message', message => { if (message.type === 'ready') resolve(message.port) })
    child.once('exit', code => reject(new Error(`server exited (${code})`)))
  })
  const url = `http://127.0.0.1:${port}${scenario.request.path}`
  const run = (n) => autocannon({ url, method: scenario.request.method, headers: scenario.request.headers, amount: n, connections, sampleInt: 50 })
  await run(Math.min(5000, amount))
  const result = await run(amount)
  child.send({ cmd: 'close' })
  await exited
  const file = readdirSync(dir).find(name => name.endsWith('.cpuprofile'))
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8'))
  if (values.keep) console.log(`profile kept: ${path.join(dir, file)}`)
  else rmSync(dir, { recursive: true, force: true })
  return { result, profile }
}

const isPlugin = (url) => url.includes('/dist/esm/') || url.includes('/@fastify/cors/')
// Fastify functions a plugin calls for its own work (setting headers, reading
// route options): their time counts as the plugin's. Any other Fastify or Node
// frame between a sample and the nearest plugin frame is work the plugin only
// triggered (sending the reply, running the next hook), not its own.
const PLUGIN_CALLEES = /^(Reply\.)?(header|headers|getHeader|hasHeader|code|status|removeHeader|type|get)$|routeOptions/
const where = (frame) => `${frame.functionName || '(anonymous)'} ${frame.url ? `${frame.url.replace(/^.*\/(node_modules\/|dist\/esm\/)/, '$1')}:${frame.lineNumber + 1}` : ''}`.trim()

function summarize (profile, responses) {
  const nodes = new Map(profile.nodes.map(node => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map()
  let total = 0
  let busy = 0
  let plugin = 0
  const pluginInclusive = new Map()
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    total += dt
    const node = nodes.get(id)
    const name = node.callFrame.functionName
    if (name === '(idle)' || name === '(program)') return
    busy += dt
    const key = where(node.callFrame)
    self.set(key, (self.get(key) ?? 0) + dt)
    // The plugin's own time: the nearest plugin frame above the sample, if no
    // frame in between is Fastify or Node machinery; charged to that frame.
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at).callFrame
      if (isPlugin(frame.url)) {
        plugin += dt
        const owner = where(frame)
        pluginInclusive.set(owner, (pluginInclusive.get(owner) ?? 0) + dt)
        break
      }
      const machinery = frame.url.startsWith('node:') || (frame.url.includes('/node_modules/') && !PLUGIN_CALLEES.test(frame.functionName))
      if (machinery) break
    }
  })
  const us = (dt) => (dt / responses).toFixed(2)
  const pct = (dt) => `${(100 * dt / busy).toFixed(1)}%`
  const lines = []
  lines.push(`  sampled ${(total / 1e6).toFixed(2)} s, busy (not idle/program) ${(busy / 1e6).toFixed(2)} s = ${us(busy)} µs per measured response (includes the warm-up)`)
  lines.push(`  in the CORS plugin's own code (and the Reply/Request accessors it calls): ${pct(plugin)} of busy time, ${us(plugin)} µs/response`)
  lines.push(`  top ${top} functions by self time:`)
  for (const [key, dt] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`    ${pct(dt).padStart(6)}  ${us(dt).padStart(6)} µs  ${key}`)
  if (pluginInclusive.size > 0) {
    lines.push('  plugin functions (own time, with the accessors they call):')
    for (const [key, dt] of [...pluginInclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`    ${pct(dt).padStart(6)}  ${us(dt).padStart(6)} µs  ${key}`)
  }
  return lines.join('\n')
}

for (const scenario of chosen) {
  for (const variant of values.variant.split(',')) {
    const { result, profile } = await profileOne(variant, scenario)
    const responses = Object.values(result.statusCodeStats).reduce((sum, { count }) => sum + count, 0) + Math.min(5000, amount)
    console.log(`\n${scenario.id} on ${variant}: ${amount} requests, statuses ${JSON.stringify(Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])))}`)
    console.log(summarize(profile, responses))
  }
}
