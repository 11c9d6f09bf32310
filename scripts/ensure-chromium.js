// Run before the tests: the browser suite drives Debian's Chromium. When it is
// missing and we are root (CI, a fresh container), install it with apt-get;
// otherwise say how. Never downloads a browser build of its own.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = '/usr/bin/chromium'

if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() !== 0) {
    console.error(`${CHROMIUM} is missing; install Debian's chromium (sudo apt-get install -y chromium) and run the tests again.`)
    process.exit(1)
  }
  console.log(`${CHROMIUM} is missing: installing Debian's chromium package`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env })
}
