import neostandard from 'neostandard'

export default neostandard({
  ts: true,
  ignores: ['.tmp/**', 'dist/**', 'coverage/**', '.tap/**', 'node_modules/**', 'artifacts/**']
})
