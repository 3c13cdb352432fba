// What each browser event becomes: one flat log under the documented keys (the table is in
// `startCapture`'s TSDoc and in the guide, "Capturing errors and console"). Pure: no hook here.
import type { Log } from '../core.js'

/** The console methods `startCapture` can forward. */
export type ConsoleLevel = 'error' | 'warn' | 'info' | 'log' | 'debug'

/** A value as text: strings as they are, errors by their stack (or message), the rest as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`
  if (typeof value !== 'object' || value === null) return String(value)
  try {
    // `undefined` for an object whose `toJSON` returns nothing (the lib's type says `string`).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as the comment above says
    return JSON.stringify(value) ?? Object.prototype.toString.call(value)
  } catch {
    return Object.prototype.toString.call(value) // a cycle or a bigint inside
  }
}

/** The keys every captured log has; `page_url` only where there is a `location`. */
function base(kind: string, level: string, message: string): Log {
  const log: Log = { kind, level, message }
  const page = (globalThis as { location?: { href: string } }).location
  if (page) log.page_url = page.href
  return log
}

/** `error_name` and `stack` of a thrown value that is an Error (or looks like one). */
function errorKeys(log: Log, error: unknown): Log {
  const e = error as Partial<Error> | null | undefined
  if (typeof e?.name === 'string') log.error_name = e.name
  if (typeof e?.stack === 'string') log.stack = e.stack
  return log
}

/** An uncaught error (`error` on window: an `ErrorEvent`). */
export function fromError(event: ErrorEvent): Log {
  const log = errorKeys(base('error', 'error', event.message || asText(event.error)), event.error)
  log.file = event.filename || ''
  log.line = String(event.lineno || 0)
  log.column = String(event.colno || 0)
  return log
}

/** A rejected promise nobody handled (`unhandledrejection`). */
export function fromRejection(event: PromiseRejectionEvent): Log {
  const reason: unknown = event.reason
  const message = reason instanceof Error ? reason.message : asText(reason)
  return errorKeys(base('unhandledrejection', 'error', message), reason)
}

/** One console call: its arguments as text, joined by spaces, as the console prints them. */
export function fromConsole(level: ConsoleLevel, args: readonly unknown[]): Log {
  return base('console', level, args.map(asText).join(' '))
}

/** A Content Security Policy violation (`securitypolicyviolation`). */
export function fromViolation(event: SecurityPolicyViolationEvent): Log {
  const directive = event.effectiveDirective || event.violatedDirective
  const log = base('csp', 'warn', `Refused ${event.blockedURI || 'inline'} (${directive})`)
  log.blocked_uri = event.blockedURI
  log.directive = directive
  log.disposition = event.disposition
  log.file = event.sourceFile || ''
  log.line = String(event.lineNumber || 0)
  log.column = String(event.columnNumber || 0)
  return log
}

/** The URL an element failed to load (`src` of img, script, media; `href` of link). */
function sourceOf(element: Element): string {
  const e = element as Partial<HTMLImageElement & HTMLLinkElement & HTMLMediaElement>
  // Empty strings (an image's `currentSrc` before it was chosen) fall through, hence `||`.
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
  return e.currentSrc || e.src || e.href || ''
}

/** A resource that failed to load: an `error` event (not an `ErrorEvent`) on an element. */
export function fromResource(element: Element): Log {
  const tag = element.tagName.toLowerCase()
  const url = sourceOf(element)
  const log = base('resource', 'error', `Failed to load ${tag} ${url}`)
  log.element = tag
  log.resource_url = url
  return log
}
