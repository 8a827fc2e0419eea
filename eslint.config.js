import neostandard from 'neostandard'

// The console renders data as text and keeps nothing in the browser: what would break either is refused
// here, and at run time by its CSP (Trusted Types) too.
const consoleRules = {
  files: ['apps/gateway/console/**/*.ts'],
  rules: {
    'no-restricted-properties': ['error',
      ...['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'srcdoc'].map((property) => ({ property, message: 'Build elements with dom.ts: data is text, never markup.' })),
      { object: 'document', property: 'write', message: 'Build elements with dom.ts.' },
      { object: 'document', property: 'cookie', message: 'The console keeps nothing in the browser.' }
    ],
    'no-restricted-globals': ['error',
      ...['localStorage', 'sessionStorage', 'indexedDB', 'caches'].map((name) => ({ name, message: 'The console keeps the key and token in memory only.' })),
      { name: 'eval', message: 'No code from strings.' }
    ]
  }
}

export default [
  ...neostandard({ ts: true, ignores: ['**/node_modules/**', '**/dist/**', 'reports/**', 'bench/results/**', '.data/**'] }),
  consoleRules
]
