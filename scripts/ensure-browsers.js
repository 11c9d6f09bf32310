// Run before the tests: the browser suite (test/browser) drives Debian's
// chromium, firefox-esr and webkit2gtk-driver (WebKitWebDriver and
// MiniBrowser, on an Xvfb display). When one is missing and we are root (CI,
// a fresh container), install the missing packages with apt-get; otherwise
// say exactly what to install, and fail. Never downloads a browser build of
// its own (puppeteer-core and playwright-core do not either).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

// What each package provides that the suite runs (see test/browser/harness/engines.ts).
const PACKAGES = [
  { name: 'chromium', files: ['/usr/bin/chromium'] },
  { name: 'firefox-esr', files: ['/usr/bin/firefox-esr'] },
  { name: 'webkit2gtk-driver', files: ['/usr/bin/WebKitWebDriver', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'] },
  { name: 'xvfb', files: ['/usr/bin/Xvfb'] },
  { name: 'xauth', files: ['/usr/bin/xauth'] }
]

const missing = PACKAGES.filter(pkg => pkg.files.some(file => !existsSync(file)))
if (missing.length > 0) {
  const names = missing.map(pkg => pkg.name)
  const files = missing.flatMap(pkg => pkg.files.filter(file => !existsSync(file)))
  if (process.getuid?.() !== 0) {
    console.error(`The browser suite needs ${files.join(', ')}. Install Debian's packages and run the tests again:\n  sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`)
    process.exit(1)
  }
  console.log(`Missing ${files.join(', ')}: installing Debian's ${names.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  // Another install may hold the dpkg lock: wait for it (up to 10 minutes) rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=600']
  execFileSync('apt-get', [...lock, 'update'], { stdio: 'inherit', env })
  execFileSync('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...names], { stdio: 'inherit', env })
  const still = missing.flatMap(pkg => pkg.files.filter(file => !existsSync(file)))
  if (still.length > 0) {
    console.error(`apt-get installed ${names.join(' ')}, but ${still.join(', ')} is still missing`)
    process.exit(1)
  }
}
