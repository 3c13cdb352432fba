/**
 * `sls-webtrack/context`: attributes merged into every later log of a tracker (user, release,
 * page…), and an optional session id that rotates after inactivity. A wrapper over any
 * tracker, so that a tracker without it pays nothing. See docs/guide.md, "Global context".
 * @packageDocumentation
 */
// Only from the core entry, so that this entry reaches the very modules the core does: esbuild
// then splits the client's shared chunks as before, and their size rows do not move.
import { prepare, type LogInput, type PushOptions, type Tracker } from '../core.js'
import { checkKey, sessionOf, type SessionOptions } from './session.js'

export type { SessionOptions, SessionStorage } from './session.js'

/** Options of `withContext`. */
export interface ContextOptions {
  /** The context to start with; `setContext` changes it later. */
  context?: LogInput
  /** Adds a session id to every log (`true`: the defaults of {@link SessionOptions}). */
  session?: boolean | SessionOptions
}

/** A tracker whose logs carry a context; see `withContext`. */
export interface ContextTracker extends Tracker {
  /**
   * Sets `key` to `value` in every log pushed from now on (the logs queued already keep what
   * they have). A log's own key wins over the context's.
   * @throws ValidationError for a key the service refuses (empty, or reserved such as `__topic__`).
   */
  setContext(key: string, value: unknown): void
  /** Removes `key` from the logs pushed from now on. */
  removeContext(key: string): void
  /** The context now, a copy. */
  getContext(): LogInput
  /** The current session id (rotated first, if the session expired); `undefined` without `session`. */
  sessionId(): string | undefined
}

/**
 * Wraps `tracker` so that each log pushed from now on carries the context: the keys of
 * `setContext`, then the session id (under `session.key`), then the log's own keys, each
 * overriding the one before. The wrapper is the tracker in every other respect (`flush`,
 * `close`, `stats`…), and it composes: `withContext(withConsent(tracker))` reads the context
 * at push, `withConsent(withContext(tracker))` when consent releases the log.
 * @throws ValidationError for a bad key in `context` or a bad session option, at once.
 * @example
 * const tracker = withContext(createTracker({ project, endpoint, logstore }), { session: true })
 * tracker.setContext('release', '1.4.2')
 * tracker.push({ event: 'click' }) // { release: '1.4.2', session_id: '…', event: 'click' }
 */
export function withContext<T extends Tracker>(tracker: T, options: ContextOptions = {}): T & ContextTracker {
  const context = new Map<string, unknown>()
  const session = options.session ? sessionOf(options.session === true ? {} : options.session) : undefined
  const setContext = (key: string, value: unknown) => {
    context.set(checkKey(key, `context.${key}`), value)
  }
  for (const [key, value] of Object.entries(options.context ?? {})) setContext(key, value)
  const decorate = (log: unknown): LogInput => {
    // Not an object (an array, null, a string): left for the tracker to refuse and report.
    if (!log || typeof log !== 'object' || Array.isArray(log)) return log as LogInput
    const base: LogInput = Object.fromEntries(context)
    if (session) base[session.key] = session.touch()
    // An Error's fields are not enumerable: spelled out as the tracker spells them (name,
    // message, stack, code, cause), through its own `prepare`, so that none is lost.
    return Object.assign(base, log instanceof Error ? (JSON.parse(prepare(log as unknown as LogInput).json) as LogInput) : log)
  }
  const own = {
    push(logs: LogInput | readonly LogInput[], pushOptions?: PushOptions) {
      // A value that is not an object is left for the tracker to refuse, and report, as it is.
      tracker.push((Array.isArray(logs) ? logs : [logs]).map(decorate), pushOptions)
    },
    setContext,
    removeContext(key: string) {
      context.delete(key)
    },
    getContext: (): LogInput => Object.fromEntries(context),
    sessionId: () => session?.touch(false),
  }
  // The tracker stays the prototype: its getters and methods are reached as they are.
  return Object.create(tracker, Object.getOwnPropertyDescriptors(own)) as T & typeof own
}
