// `npm run demo`: builds the package, then starts the demo with the built
// plugin, imported by its package name as an application would.
// Ports: PAGE_PORT (default 3000) and API_PORT (default 3001); 0 picks free ones.
import cors from 'fastify-cors-exact'
import { startDemo } from './start.js'

function port (name, fallback) {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    console.error(`${name}=${value} is not a port number`)
    process.exit(1)
  }
  return number
}

const dim = (text) => process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text
const red = (text) => process.stdout.isTTY ? `\x1b[31m${text}\x1b[0m` : text

let demo
try {
  demo = await startDemo(cors, {
    pagePort: port('PAGE_PORT', 3000),
    apiPort: port('API_PORT', 3001),
    onComplete: (request) => console.log(dim(`  api  ${request.method} ${request.path} -> ${request.status}`)),
    onRefusal: (request) => console.log(red(`  api  ${request.method} ${request.path}: ${request.message}`))
  })
} catch (error) {
  if (error.code === 'EADDRINUSE') {
    console.error(`${error.message}. Set PAGE_PORT and API_PORT to free ports (0 picks any), e.g. PAGE_PORT=0 API_PORT=0 npm run demo`)
    process.exit(1)
  }
  throw error
}

console.log(`
fastify-cors-exact demo

  Page (origin A): ${demo.pageUrl}   <- open this in a browser
  API  (origin B): ${demo.apiUrl}

Each button on the page calls the API from another origin. The page shows
what it sent, what the browser let it read, and the reason the plugin logged.
Open the browser's DevTools console for the browser's own explanation.

The API's routes and the CORS policy each one has (fastify.cors.printRoutes()):
${demo.routes.trimEnd().split('\n').map(line => `  ${line}`).join('\n')}

Ask the plugin what it would answer to a request, without sending it (fastify.cors.explain()):
  curl -s ${demo.apiUrl}/cors/explain -H 'content-type: application/json' \\
    -d '{"origin":"${demo.pageUrl}","method":"DELETE","url":"/api/items/42"}'

API requests and the plugin's refusals are printed below. Ctrl+C stops.
`)

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    demo.close().then(() => process.exit(0), () => process.exit(1))
  })
}
