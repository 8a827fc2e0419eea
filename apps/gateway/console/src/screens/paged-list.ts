// What the keys and audit screens share: filters read from the route's query, a form that writes them back
// into the hash, and the pager over the API's cursors.
import type { Context } from '../context.ts'
import { type Child, actionForm, fieldOf, h } from '../dom.ts'
import { hashOf } from '../router.ts'

export interface Listing<N extends string = string> {
  /** The filters the route names ('' when absent). */
  filters: Record<N, string>
  cursor: string | undefined
}

export function listingOf<N extends string> (query: URLSearchParams, names: readonly N[]): Listing<N> {
  return { filters: Object.fromEntries(names.map((name) => [name, query.get(name) ?? ''])) as Record<N, string>, cursor: query.get('cursor') ?? undefined }
}

/** A form of the fields named `names`; submitting it goes to the first page with those filters. */
export function filterForm (context: Context, path: string, names: readonly string[], ...fields: Child[]): HTMLFormElement {
  return actionForm(context.run, 'filters', async (form) => {
    context.navigate(hashOf(path, Object.fromEntries(names.map((name) => [name, fieldOf(form, name)]))))
  }, ...fields, h('button', { type: 'submit' }, 'Filter'))
}

/** First and next page links, the filters kept. */
export function pager (label: string, path: string, { filters, cursor }: Listing, nextCursor: string | null): HTMLElement {
  return h('nav', { 'aria-label': label, class: 'pages' },
    cursor === undefined ? null : h('a', { href: hashOf(path, filters) }, 'First page'),
    ' ',
    nextCursor === null ? null : h('a', { href: hashOf(path, { ...filters, cursor: nextCursor }), rel: 'next' }, 'Next page'))
}
