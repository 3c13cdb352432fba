// startCapture: the page's hooks (window events, console methods) feed the gate, the gate feeds
// a tracker of its own. Whatever the tracker does runs with `own` raised, so that its console
// output, its callbacks' errors and its blocked requests are never captured again: no loop.
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import { createTracker, isWebTrackError, type Log, type Tracker, type TrackerOptions } from '../core.js'
import { fromConsole, fromError, fromRejection, fromResource, fromViolation, type ConsoleLevel } from './events.js'
import { createGate, type CaptureStats } from './gate.js'

/** The defaults of `startCapture`'s options. */
export const CAPTURE_DEFAULTS = {
  /** Console methods forwarded. */
  console: ['error', 'warn'] as readonly ConsoleLevel[],
  /** Logs a minute; the excess is counted and said in one log in the next minute. */
  maxPerMinute: 100,
  /** An identical log within 5 s of the last one sent is a repeat. */
  repeatWindowMs: 5000,
} as const

/** Options of `startCapture`: what to capture, the limits, and the tracker's options. */
export interface CaptureOptions extends TrackerOptions {
  /** Uncaught errors (`error` events with an `ErrorEvent`). Default `true`. */
  errors?: boolean
  /** Promise rejections nobody handled (`unhandledrejection`). Default `true`. */
  rejections?: boolean
  /** Console methods to forward (each still prints). Default `['error', 'warn']`; `[]` for none. */
  console?: readonly ConsoleLevel[]
  /** Content Security Policy violations (`securitypolicyviolation`). Default `true`. */
  csp?: boolean
  /** Elements that failed to load (an image's 404, a script that did not load). Default `true`. */
  resources?: boolean
  /** Most logs a minute (a fixed window opened by its first log). Default `CAPTURE_DEFAULTS.maxPerMinute`. */
  maxPerMinute?: number
  /**
   * A log identical to the last one sent (same kind, level, message and place) within this
   * many ms after it is counted, not sent; the run ends with one log carrying `repeats`.
   * Default `CAPTURE_DEFAULTS.repeatWindowMs`; `0` sends every repeat.
   */
  repeatWindowMs?: number
}

/** A running capture; see `startCapture`. */
export interface Capture {
  /** The tracker the logs go through (push your own logs to it too). */
  readonly tracker: Tracker
  /** A snapshot of the counters. */
  stats(): CaptureStats
  /**
   * Removes every listener, puts back every console method it replaced (unless something
   * replaced it since), sends what the gate still holds, and closes the tracker (its `close`).
   * Idempotent.
   */
  stop(): Promise<void>
}

type Target = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
type Method = (...args: unknown[]) => void

/** The host the tracker posts to, `{project}.{endpoint host}`: a CSP block of it is the tracker's own. */
const trackerHost = ({ project, endpoint }: TrackerOptions): string =>
  `//${project}.${endpoint.replace(/^[a-z]+:\/\//i, '').split('/')[0]!}`

/**
 * Starts capturing the page's errors and console output as logs, sent through a tracker made
 * from `options` (see `createTracker`). Each log has `kind`, `level`, `message` and
 * `page_url`, and by kind:
 *
 * | `kind` | `level` | more keys |
 * |---|---|---|
 * | `error` (uncaught) | `error` | `error_name`, `stack`, `file`, `line`, `column` |
 * | `unhandledrejection` | `error` | `error_name`, `stack` (when the reason is an Error) |
 * | `console` | the method: `error`, `warn`, `info`, `log`, `debug` | (arguments joined by spaces) |
 * | `csp` | `warn` | `blocked_uri`, `directive`, `disposition`, `file`, `line`, `column` |
 * | `resource` (failed load) | `error` | `element` (`img`, `script`, `link`…), `resource_url` |
 * | `capture` (rate limit) | `warn` | `limited`: how many logs the last window held back |
 *
 * A run of repeats ends with a copy of its log carrying `repeats` (how many were folded).
 * Never captured: what the tracker writes to the console or throws (its errors, and errors
 * thrown by your `onError`, `onDrop`, `onSent`, `beforeSend`), and CSP blocks of the tracker's
 * own requests. Nothing is replaced but the chosen console methods; `stop()` puts them back.
 *
 * @throws ValidationError for a bad option, before any hook is installed.
 * @example
 * const capture = startCapture({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 */
export function startCapture(options: CaptureOptions): Capture {
  const maxPerMinute = checkOption('maxPerMinute', options.maxPerMinute, CAPTURE_DEFAULTS.maxPerMinute, 1, Infinity)
  const repeatWindowMs = checkOption('repeatWindowMs', options.repeatWindowMs, CAPTURE_DEFAULTS.repeatWindowMs, 0, MAX_TIMER_MS, ' ms')
  let own = 0 // > 0 while the tracker, or one of its callbacks, runs on this stack
  const thrown = new WeakSet() // what the tracker's callbacks threw
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      own++
      try {
        return fn(...args)
      } catch (error) {
        if (typeof error === 'object' && error !== null) thrown.add(error)
        throw error
      } finally {
        own--
      }
    }
  const { onError, onDrop, onSent, beforeSend } = options
  const tracker = createTracker({
    ...options,
    onError: guard(onError ?? ((e, logs) => console.error(`[sls-webtrack] ${logs.length} log(s) not sent: ${e.message}`))),
    onDrop: onDrop && guard(onDrop),
    onSent: onSent && guard(onSent),
    beforeSend: beforeSend && guard(beforeSend),
  })
  const gate = createGate({ maxPerMinute, repeatWindowMs, send: guard((log: Log) => tracker.push(log)) })
  const ownHost = trackerHost(options)
  const isOwn = (error: unknown) => own > 0 || isWebTrackError(error) || (typeof error === 'object' && error !== null && thrown.has(error))
  const take = (log: Log | undefined) => {
    gate.stats.seen++
    if (log) gate.pass(log)
    else gate.stats.ignored++
  }
  const undo = hook(options, {
    error: (event) => {
      if (event instanceof ErrorEvent) take(options.errors === false || isOwn(event.error) ? undefined : fromError(event))
      else if (options.resources !== false && event.target instanceof Element) take(fromResource(event.target))
    },
    unhandledrejection: (event) =>
      take(isOwn((event as PromiseRejectionEvent).reason) ? undefined : fromRejection(event as PromiseRejectionEvent)),
    securitypolicyviolation: (event) => {
      const e = event as SecurityPolicyViolationEvent
      take(own > 0 || e.blockedURI.includes(ownHost) ? undefined : fromViolation(e))
    },
    console: (level, args) => take(own > 0 ? undefined : fromConsole(level, args)),
  })
  let stopping: Promise<void> | undefined
  return {
    tracker,
    stats: () => ({ ...gate.stats }),
    stop() {
      if (!stopping) {
        undo()
        gate.end()
        stopping = tracker.close()
      }
      return stopping
    },
  }
}

interface Handlers {
  error(event: Event): void
  unhandledrejection(event: Event): void
  securitypolicyviolation(event: Event): void
  console(level: ConsoleLevel, args: unknown[]): void
}

/** Installs the hooks `options` asks for; returns what removes them all. */
function hook(options: CaptureOptions, on: Handlers): () => void {
  const target = globalThis as unknown as Target
  const undo: (() => void)[] = []
  const listen = (type: 'error' | 'unhandledrejection' | 'securitypolicyviolation', wanted: boolean) => {
    // A worker has no `securitypolicyviolation` to speak of; Node has no `addEventListener`.
    if (!wanted || typeof target.addEventListener !== 'function') return
    const listener = (event: Event) => on[type](event)
    // Capture phase: a failed load's `error` does not bubble, but it does pass `window` on its way down.
    target.addEventListener(type, listener, true)
    undo.push(() => target.removeEventListener(type, listener, true))
  }
  listen('error', options.errors !== false || options.resources !== false)
  listen('unhandledrejection', options.rejections !== false)
  listen('securitypolicyviolation', options.csp !== false)
  const methods = console as unknown as Record<ConsoleLevel, Method>
  for (const level of options.console ?? CAPTURE_DEFAULTS.console) {
    const original = methods[level]
    let live = true
    const replacement: Method = function (this: unknown, ...args) {
      if (live) on.console(level, args)
      original.apply(this, args)
    }
    methods[level] = replacement
    undo.push(() => {
      live = false
      // Something wrapped it after us: leave its wrapper in place; ours now only passes through.
      if (methods[level] === replacement) methods[level] = original
    })
  }
  return () => {
    for (const u of undo.splice(0)) u()
  }
}
