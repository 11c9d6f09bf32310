// The browser suite's scenarios (test/browser/scenarios) in webkit (see test/fixtures/engines.ts).
import t from 'tap'
import { runMatrix } from '../fixtures/matrix.js'

await runMatrix(t, 'webkit')
