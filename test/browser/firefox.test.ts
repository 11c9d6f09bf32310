// The browser suite's scenarios (test/browser/scenarios) in firefox (see test/browser/harness/engines.ts).
import t from 'tap'
import { runMatrix } from './harness/matrix.js'

await runMatrix(t, 'firefox')
