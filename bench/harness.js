// What the benchmarks (run.js: CORS scenarios, scale.js: route counts,
// soak.js) share: the command line and integer flags, CPU pinning, the
// machine's CPU ticks, a probe request, the load (autocannon) and the
// measurement of one run, and both sides of the IPC channel between the
// orchestrator and a server child process (measure CPU with process.cpuUsage()
// around a run, close).
import { execFileSync, fork, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

/** Pins a process (all its threads) to one CPU; false when taskset is missing or refuses. */
export function pin (pid, cpu) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** The machine's busy and total CPU ticks so far (Linux /proc/stat), or undefined elsewhere. */
export function machineTicks () {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields
    return { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal }
  } catch {
    return undefined
  }
}

/** One real request, to check that a variant answers as expected before measuring it; bounded by 10 s. */
export function probe (port, request) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: request.method, path: request.path, headers: request.headers, agent: false, timeout: 10000 }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }))
    })
    req.on('timeout', () => req.destroy(new Error('probe timed out')))
    req.on('error', reject)
    req.end()
  })
}

/**
 * An integer setting read from a flag or else an environment variable, within bounds:
 * `int(flag, variable, fallback, low, high[, raw])`; `flag` undefined: the variable only.
 */
export function integerOption (values, env) {
  return (flag, variable, fallback, low, high, raw = (flag === undefined ? undefined : values[flag]) ?? env[variable]) => {
    const value = raw === undefined || raw === '' ? fallback : Number(raw)
    const name = flag === undefined ? variable : `--${flag} / ${variable}`
    if (!Number.isInteger(value) || value < low || value > high) throw new Error(`${name}: expected an integer from ${low} to ${high}, got ${raw}`)
    return value
  }
}

/**
 * The command line: `options` as node:util's parseArgs takes them, plus --help
 * (prints `help` and exits). Returns the flags' values, the environment, and an
 * integer reader over both (integerOption).
 */
export function readFlags (options, help) {
  const { values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } })
  if (values.help) {
    process.stdout.write(help)
    process.exit(0)
  }
  return { values, env: process.env, int: integerOption(values, process.env) }
}

/** Runs `node script ...args` to its end and resolves with the JSON it printed on stdout; `name` names it in the error when it fails. */
export function runJsonChild (script, args, name) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', chunk => { out += chunk })
    child.on('error', reject)
    child.on('exit', code => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${name} exited with ${code}`)))
  })
}

/** The orchestrator's side: a forked server, its messages awaited by type. */
export class ChildServer {
  constructor (script, args, { execArgv = [] } = {}) {
    this.child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.waiting = new Map()
    this.child.on('message', (message) => {
      const resolve = this.waiting.get(message.type)
      this.waiting.delete(message.type)
      resolve?.(message)
    })
    this.exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.once('exit', (code) => {
      for (const [, resolve] of this.waiting) resolve({ type: 'exit', code })
      this.waiting.clear()
    })
  }

  /** The next message of a type, or a rejection when the child exits or takes longer than `seconds`. */
  expect (type, seconds = 30) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(type)
        reject(new Error(`${this.name}: no '${type}' within ${seconds} s`))
      }, seconds * 1000)
      this.waiting.set(type, (message) => {
        clearTimeout(timer)
        if (message.type === 'exit') reject(new Error(`${this.name} exited (${message.code})`))
        else resolve(message)
      })
    })
  }

  /** Sends a command (with `args`, if any) and resolves with the child's reply of the same type. */
  async request (cmd, seconds = 30, args = {}) {
    const reply = this.expect(cmd, seconds)
    this.child.send({ ...args, cmd })
    return reply
  }

  async close () {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    if (this.child.connected) this.child.send({ cmd: 'close' })
    const timer = setTimeout(() => this.child.kill(), 5000)
    await this.exited
    clearTimeout(timer)
  }
}

/**
 * The server's side, once `app` listens: answers 'reset' (start a CPU measurement),
 * 'read' (CPU used since), 'close', and any `commands` of its own (given the message,
 * answering with a message or a promise of one); never outlives the
 * orchestrator; announces itself with { type: 'ready', port, pid }.
 */
export function serveMeasurements (app, commands = {}) {
  let base = process.cpuUsage()
  // Garbage-collection pauses since the last reset: milliseconds and count, young generation apart.
  let gc = { ms: 0, count: 0, youngMs: 0, young: 0 }
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      gc.ms += entry.duration
      gc.count++
      if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
        gc.youngMs += entry.duration
        gc.young++
      }
    }
  }).observe({ entryTypes: ['gc'] })
  process.on('message', (message) => {
    if (message?.cmd === 'reset') {
      base = process.cpuUsage()
      gc = { ms: 0, count: 0, youngMs: 0, young: 0 }
      process.send({ type: 'reset' })
    } else if (message?.cmd === 'read') {
      const used = process.cpuUsage(base)
      process.send({ type: 'read', user: used.user, system: used.system, gc })
    } else if (message?.cmd === 'close') {
      app.close().then(() => process.exit(0), () => process.exit(1))
    } else if (Object.hasOwn(commands, message?.cmd)) {
      // A command may answer at once or with a promise (a run of requests).
      Promise.resolve(commands[message.cmd](message)).then(reply => process.send(reply))
    }
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ type: 'ready', port: app.server.address().port, pid: process.pid })
}

/**
 * `amount` requests of one kind on a server's port, `connections` at a time,
 * without pipelining; the run is timed here (autocannon reports at its next
 * sample tick), and the load generator's own CPU is measured.
 */
export async function load (port, request, amount, connections) {
  const start = process.hrtime.bigint()
  const cpuStart = process.cpuUsage()
  let end = 0n
  let responses = 0
  const instance = autocannon({
    url: `http://127.0.0.1:${port}${request.path}`,
    method: request.method,
    headers: request.headers,
    amount,
    connections,
    pipelining: 1,
    timeout: 10,
    sampleInt: 50
  })
  instance.on('response', () => {
    if (++responses === amount) end = process.hrtime.bigint()
  })
  const result = await instance
  if (end === 0n) end = process.hrtime.bigint()
  const seconds = Number(end - start) / 1e9
  const cpu = process.cpuUsage(cpuStart)
  return {
    responses,
    seconds,
    rps: responses / seconds,
    errors: result.errors + result.timeouts,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds
  }
}

/**
 * A warm-up run, then a measured run around which the server (a ChildServer)
 * reports its CPU time: CPU per response (µs), and the other processes' CPU
 * during the run, in cores (the machine's busy time minus the server's and ours).
 */
export async function measure (server, request, { warmup, amount, connections }) {
  await load(server.port, request, warmup, connections)
  await server.request('reset')
  const ticks = machineTicks()
  const start = process.hrtime.bigint()
  const run = await load(server.port, request, amount, connections)
  // Let the server close the connections autocannon leaves, so that their cost is counted too.
  await new Promise((resolve) => setTimeout(resolve, 30))
  const used = await server.request('read')
  const wall = Number(process.hrtime.bigint() - start) / 1e9
  let foreign = NaN
  const after = machineTicks()
  if (ticks !== undefined && after !== undefined && after.total > ticks.total) {
    const perSecond = (after.total - ticks.total) / (wall * os.cpus().length)
    const ours = (used.user + used.system) / 1e6 + run.generatorCpu * run.seconds
    foreign = Math.max(0, ((after.busy - ticks.busy) / perSecond - ours) / wall)
  }
  return { ...run, foreign, cpuPerRequest: (used.user + used.system) / run.responses, userPerRequest: used.user / run.responses, gc: used.gc }
}
