// Small statistics and formatting helpers shared by the benchmark scripts.

export function median (values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function min (values) {
  return Math.min(...values.filter(Number.isFinite))
}

export function max (values) {
  return Math.max(...values.filter(Number.isFinite))
}

/** `[a, b, c]` rotated left by `by`: A B C, B C A, C A B, ... */
export function rotate (list, by) {
  const n = by % list.length
  return [...list.slice(n), ...list.slice(0, n)]
}

export function formatInt (value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
}

export function formatFixed (value, digits) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

export function formatRatio (value) {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a'
}

export function markdownTable (header, rows, align) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  const rule = align ?? header.map(() => '---')
  return [line(header), line(rule), ...rows.map(line)].join('\n')
}
