// recheck (the RegExp checker) costs ~30 MB of memory and ~0.5 s of startup:
// it is required only when a RegExp origin is configured. This file is
// CommonJS in both builds (.cts), so that a synchronous `require` exists
// whether the package was imported or required.
import type * as Recheck from 'recheck'

function loadRecheck (): typeof Recheck {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('recheck')
}

export = { loadRecheck }
