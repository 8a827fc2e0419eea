// Building the page: elements from a tag, attributes and children, where every value becomes text.
// No HTML string is ever parsed (the CSP's Trusted Types requirement makes the browser refuse it too).

export type Child = Node | string | number | null | undefined | false
// A listener may return the promise of what it started: run() inside it reports failures itself.
type Listener = (event: Event) => unknown
export type Attributes = Record<string, string | number | boolean | undefined | Listener>

/**
 * An element: `on<event>` attributes take listeners, booleans toggle, strings and numbers are set as they
 * are; a string child is a text node, so data can never become markup.
 */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') {
      if (!name.startsWith('on')) throw new TypeError(`a listener needs an on<event> attribute: ${name}`)
      element.addEventListener(name.slice(2), value)
    } else if (name.startsWith('on')) {
      throw new TypeError(`an event attribute takes a listener, not a string: ${name}`)
    } else if (typeof value === 'boolean') {
      element.toggleAttribute(name, value)
    } else if (value !== undefined) {
      element.setAttribute(name, String(value))
    }
  }
  append(element, ...children)
  return element
}

export function append (parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child)
  }
}

/** Replaces what `parent` holds. */
export function replace (parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild)
  append(parent, ...children)
}

/** The value of a named field of a form, trimmed ('' when absent). */
export function fieldOf (form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name)
  return typeof value === 'string' ? value.trim() : ''
}

/** A labelled input: the label names it for assistive technology, the hint is tied to it. */
export function field (label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  input.id ||= `field-${input.name}`
  const hintId = `${input.id}-hint`
  if (hint !== undefined) input.setAttribute('aria-describedby', hintId)
  return h('div', { class: 'field' },
    h('label', { for: input.id }, label),
    input,
    hint === undefined ? null : h('small', { id: hintId }, hint))
}

/** A select of options given as [value, label] pairs, with `selected` chosen. */
export function select (name: string, options: Array<[string, string]>, selected = ''): HTMLSelectElement {
  return h('select', { name, id: `field-${name}` }, ...options.map(([value, label]) => h('option', { value, selected: value === selected }, label)))
}

/** A table with a caption, its header row and one row of cells per item. */
export function table (caption: string, headers: string[], rows: Child[][]): HTMLTableElement {
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))))
}

/**
 * A form whose submission runs `action` (through the screen's `run`, which shows a failure as the API's
 * message) instead of navigating.
 */
export function actionForm (run: (action: () => Promise<void>) => Promise<void>, className: string, action: (form: HTMLFormElement) => Promise<void>, ...children: Child[]): HTMLFormElement {
  const form: HTMLFormElement = h('form', {
    class: className,
    onsubmit: (event) => {
      event.preventDefault()
      return run(() => action(form))
    }
  }, ...children)
  return form
}
