// refa (finite automata for JS RegExps) and scslre (super-linear backtracking,
// built on refa) are needed only when a RegExp origin is configured: they are
// required then, not when the plugin is imported. This file is CommonJS in both
// builds (.cts), so that a synchronous `require` exists whether the package was
// imported or required.
import type * as Refa from 'refa'
import type * as Scslre from 'scslre'

function loadRefa (): typeof Refa {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('refa')
}

function loadScslre (): typeof Scslre {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('scslre')
}

export = { loadRefa, loadScslre }
