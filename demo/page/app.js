// The demo page: one card per scenario; each runs one fetch() against the API
// (another origin) and shows what was sent, what the browser let the page
// read, and what the API logged for it. No build step, no dependencies.
/* global document, fetch, AbortSignal */

const SCENARIOS = [
  {
    id: 'simple-get',
    title: 'Simple GET',
    expect: 'readable',
    method: 'GET',
    path: '/api/hello',
    note: 'A safelisted request: no preflight. The page\'s origin matches the pattern http://127.0.0.1:*, so the API answers with Access-Control-Allow-Origin: <this origin>.'
  },
  {
    id: 'json-put',
    title: 'JSON PUT (preflighted)',
    expect: 'readable',
    method: 'PUT',
    path: '/api/items/42',
    headers: { 'Content-Type': 'application/json' },
    body: { name: 'Blue mug', price: 12 },
    note: 'PUT and application/json are not safelisted, so the browser first sends OPTIONS. The plugin answers it with the policy of the parametric route PUT /api/items/:id (under the /api prefix).'
  },
  {
    id: 'login',
    title: 'Log in: a cookie is set',
    expect: 'readable',
    method: 'POST',
    path: '/api/session',
    credentials: 'include',
    note: 'With credentials: \'include\', the browser stores the Set-Cookie and lets the page read the answer only if it carries Access-Control-Allow-Credentials: true and this exact origin (never *).'
  },
  {
    id: 'credentialed',
    title: 'Credentialed request with the cookie',
    expect: 'readable',
    method: 'GET',
    path: '/api/me',
    credentials: 'include',
    note: 'The cookie set by "Log in" goes along; the API sees it and answers who you are. Run "Log in" first.'
  },
  {
    id: 'custom-header',
    title: 'Custom header that is not allowed',
    expect: 'blocked',
    method: 'GET',
    path: '/api/hello',
    headers: { 'X-Debug-Token': 'let-me-in' },
    note: 'X-Debug-Token is not in allowedHeaders (content-type, x-request-id): the preflight is refused and the GET is never sent.'
  },
  {
    id: 'method',
    title: 'Method that is not allowed',
    expect: 'blocked',
    method: 'DELETE',
    path: '/api/items/42',
    note: 'DELETE /api/items/:id exists on the server, but methods lists GET, HEAD, POST and PUT only: the preflight is refused, and the handler never runs.'
  },
  {
    id: 'partner',
    title: 'Route with its own policy: partners only',
    expect: 'blocked',
    method: 'GET',
    path: '/api/partner',
    note: 'This route sets config.cors.origin to an anchored RegExp, /^https:\\/\\/(www|shop)\\.partner\\.example$/. The GET reaches the handler, but the answer carries no CORS header for this origin.'
  },
  {
    id: 'public',
    title: 'Route with its own policy: public',
    expect: 'readable',
    method: 'GET',
    path: '/api/public',
    note: 'config.cors: { origin: \'*\', credentials: false }: any origin may read it, without cookies.'
  },
  {
    id: 'cors-off',
    title: 'Route with CORS turned off',
    expect: 'blocked',
    method: 'POST',
    path: '/api/internal',
    headers: { 'Content-Type': 'application/json' },
    body: { command: 'reindex' },
    note: 'config: { cors: false }: the plugin refuses this route\'s preflights and adds no CORS header to its responses.'
  },
  {
    id: 'exposed',
    title: 'Exposed response header',
    expect: 'readable',
    method: 'GET',
    path: '/api/items',
    read: ['X-Total-Count', 'X-Internal-Trace'],
    note: 'The API sends both headers; only X-Total-Count is in exposedHeaders, so the page sees the other as null.'
  },
  {
    id: 'not-found',
    title: '404 Not Found',
    expect: 'readable',
    method: 'GET',
    path: '/api/nope',
    note: 'No route here, yet an allowed origin may read the 404, so the page can tell "not found" from "blocked".'
  },
  {
    id: 'server-error',
    title: '500 Internal Server Error',
    expect: 'readable',
    method: 'GET',
    path: '/api/boom',
    note: 'The handler throws. The CORS headers were set before the handler ran, so the error is readable too.'
  }
]

const $ = (selector, root = document) => root.querySelector(selector)

function el (tag, className, text) {
  const node = document.createElement(tag)
  if (className) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

function line (...parts) {
  const node = el('div', 'line')
  for (const part of parts) node.append(typeof part === 'string' ? document.createTextNode(part) : part)
  return node
}

const code = (text) => el('code', '', text)
const badge = (kind, text) => el('span', `badge ${kind}`, text)

let api = ''
let trace = 0
const cards = new Map()

function describeSent (scenario) {
  const out = [line(badge('method', scenario.method), ' ', code(api + scenario.path))]
  for (const [name, value] of Object.entries(scenario.headers ?? {})) out.push(line(code(`${name}: ${value}`)))
  if (scenario.body !== undefined) out.push(line('body ', code(JSON.stringify(scenario.body))))
  out.push(line(el('span', 'muted', `credentials: '${scenario.credentials ?? 'same-origin'}'`)))
  return out
}

function renderCard (scenario) {
  const card = $('#card').content.firstElementChild.cloneNode(true)
  card.dataset.scenario = scenario.id
  $('h2', card).textContent = scenario.title
  const expect = $('.expect', card)
  expect.textContent = `expected: ${scenario.expect}`
  expect.classList.add(scenario.expect)
  $('.note', card).textContent = scenario.note
  $('.sent', card).replaceChildren(...describeSent(scenario))
  $('.run', card).addEventListener('click', () => run(scenario))
  cards.set(scenario.id, card)
  return card
}

function truncate (text, max = 140) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

async function send (scenario, id) {
  const url = `${api}${scenario.path}?trace=${id}`
  const init = { method: scenario.method, headers: scenario.headers, signal: AbortSignal.timeout(8000) }
  if (scenario.credentials) init.credentials = scenario.credentials
  if (scenario.body !== undefined) init.body = JSON.stringify(scenario.body)
  try {
    const response = await fetch(url, init)
    const readable = [...response.headers.keys()]
    const picked = (scenario.read ?? []).map(name => [name, response.headers.get(name)])
    return { ok: true, status: response.status, statusText: response.statusText, readable, picked, body: await response.text(), trace: id }
  } catch (error) {
    return { ok: false, error: `${error.name}: ${error.message}` }
  }
}

function describeBrowser (result) {
  if (!result.ok) {
    return [
      line(badge('blocked', 'blocked'), ' ', code(result.error)),
      line(el('span', 'muted', 'The page cannot read the response, not even its status. The DevTools console says why.'))
    ]
  }
  const out = [line(badge('readable', 'readable'), ' ', code(`${result.status} ${result.statusText}`))]
  // The ?trace=N tag is the demo's plumbing, not the API's answer: keep it out of what is shown (a 404 body echoes the URL).
  out.push(line('body ', code(truncate(result.body.replaceAll(`?trace=${result.trace}`, '')))))
  for (const [name, value] of result.picked) {
    out.push(line(code(`headers.get('${name}')`), ' → ', value === null ? badge('blocked', 'null (not exposed)') : code(value)))
  }
  out.push(line(el('span', 'muted', `readable headers: ${result.readable.join(', ')}`)))
  return out
}

async function apiLog (id) {
  // The API logs "request completed" just after the browser got the answer: poll briefly.
  let records = []
  for (let attempt = 0; attempt < 20; attempt++) {
    const response = await fetch(`/log?trace=${id}`)
    records = await response.json()
    if (records.length > 0 && records.every(record => record.status !== null)) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return records
}

function describeApi (records) {
  if (records.length === 0) return [line(el('span', 'muted', 'The API saw no request.'))]
  return records.map(record => {
    const kind = record.method === 'OPTIONS' ? el('span', 'muted', ' (preflight)') : ''
    const parts = [badge('method', record.method), kind, ' → ', code(String(record.status ?? '…'))]
    if (record.corsReason !== null) parts.push(' ', badge('reason', `corsReason: ${record.corsReason}`))
    else parts.push(' ', el('span', 'muted', 'no refusal logged'))
    return line(...parts)
  })
}

async function run (scenario) {
  const card = cards.get(scenario.id)
  const id = String(++trace)
  card.dataset.state = 'running'
  $('.run', card).disabled = true
  $('.browser', card).replaceChildren(line(el('span', 'muted', 'running…')))
  $('.api', card).replaceChildren(line(el('span', 'muted', '…')))
  const result = await send(scenario, id)
  $('.browser', card).replaceChildren(...describeBrowser(result))
  const records = await apiLog(id)
  $('.api', card).replaceChildren(...describeApi(records))
  const verdict = result.ok ? 'readable' : 'blocked'
  card.dataset.verdict = verdict
  card.dataset.reasons = records.map(record => record.corsReason).filter(Boolean).join(',')
  card.dataset.outcome = verdict === scenario.expect ? 'as-expected' : 'unexpected'
  card.dataset.state = 'done'
  $('.run', card).disabled = false
  summarize()
}

function summarize () {
  const done = [...cards.values()].filter(card => card.dataset.state === 'done')
  const unexpected = done.filter(card => card.dataset.outcome === 'unexpected').length
  $('#summary').textContent = `${done.length} of ${cards.size} run` + (unexpected > 0 ? `, ${unexpected} not as expected` : ', all as expected')
}

async function runAll () {
  const button = $('#run-all')
  button.disabled = true
  for (const scenario of SCENARIOS) await run(scenario)
  button.disabled = false
  document.body.dataset.ran = 'all'
}

async function main () {
  const config = await (await fetch('/config.json')).json()
  api = config.api
  $('#page-origin').textContent = document.location.origin
  $('#api-origin').textContent = api
  $('#scenarios').replaceChildren(...SCENARIOS.map(renderCard))
  $('#run-all').addEventListener('click', runAll)
  document.body.dataset.ready = 'true'
}

main()
