// The object behind the `SLS_WEBTRACK` global: calls made before `init` wait in order, and are
// made at `init`, on the tracker it creates; after `init` they go straight to that tracker.
import { auto, createTracker, ValidationError, type FlushOptions, type LogInput, type PushOptions, type TrackerOptions } from '../core.js'
import { deflate } from '../compress/deflate-native.js'
import { lz4 } from '../compress/lz4.js'
import { withConsent, type ConsentTracker, type TrackingConsent } from '../consent/index.js'
import { withContext, type ContextOptions, type ContextTracker } from '../context/index.js'

/** Options of `SLS_WEBTRACK.init`: the tracker's, the context's and, optionally, consent. */
export interface GlobalOptions extends Omit<TrackerOptions, 'compression'>, ContextOptions {
  /** `'auto'` (default: LZ4 for bodies of 1 KiB and more that shrink), `'lz4'`, `'deflate'` (the browser's own) or `'none'`. */
  compression?: 'auto' | 'lz4' | 'deflate' | 'none'
  /**
   * Consent at start. Given, logs are held in memory until `setTrackingConsent('granted')`
   * (see `sls-webtrack/consent`); not given, there is no consent gate and `setTrackingConsent`
   * throws.
   */
  trackingConsent?: TrackingConsent
  /** Most logs held while consent is not granted (default 1,000); see `sls-webtrack/consent`. */
  maxHeldLogs?: number
}

/** The tracker `init` creates: with a context, and with consent when `trackingConsent` was given. */
export type GlobalTracker = ContextTracker & Partial<Pick<ConsentTracker, 'setTrackingConsent' | 'trackingConsent'>>

/** The `SLS_WEBTRACK` global of the script-tag build (`dist/sls-webtrack.global.js`). */
export interface WebTrackGlobal {
  /**
   * Creates the tracker, then makes, in order, the calls made before it.
   * @throws ValidationError for a bad option, or when called a second time.
   */
  init(options: GlobalOptions): void
  /** Pushes logs (the tracker's `push`); before `init`, they wait for it. */
  push(logs: LogInput | readonly LogInput[], options?: PushOptions): void
  /** Sets a key of every later log (`withContext`'s `setContext`). */
  setContext(key: string, value: unknown): void
  /** Removes a key from every later log. */
  removeContext(key: string): void
  /** Grants or refuses consent (`withConsent`'s); needs `trackingConsent` in `init`. */
  setTrackingConsent(consent: TrackingConsent): void
  /**
   * The tracker's `flush`: once `init` has been made, sends what is queued and resolves as it
   * does (`true` once every log pushed before the call is settled).
   */
  flush(options?: FlushOptions): Promise<boolean>
  /** Calls `callback` with the tracker once `init` has been made (at once if it has). */
  onReady(callback: (tracker: GlobalTracker) => void): void
}

/** A call as the loader snippet records it: the method's name and its arguments. */
export type QueuedCall = readonly [method: string, args: ArrayLike<unknown>]

const COMPRESSION = { auto: auto(lz4), lz4, deflate, none: 'none' } as const

function open(options: GlobalOptions): GlobalTracker {
  const { compression = 'auto', trackingConsent, maxHeldLogs, context, session, ...rest } = options
  if (!Object.hasOwn(COMPRESSION, compression))
    throw new ValidationError('compression', `must be 'auto', 'lz4', 'deflate' or 'none', got ${JSON.stringify(compression)}`)
  const tracker = createTracker({ ...rest, compression: COMPRESSION[compression] })
  // Consent's drops go to the same `onDrop` as the tracker's, with their own reason.
  const onDrop = rest.onDrop as ((count: number, reason: string) => void) | undefined
  // The context outside the consent gate: a log held for consent carries the context of the
  // moment it was pushed, not of the moment consent came.
  const gated = trackingConsent === undefined ? tracker : withConsent(tracker, { trackingConsent, maxHeldLogs, onDrop })
  return withContext(gated, { context, session })
}

/**
 * The global's methods. Each call before `init` is kept, in order, and made at `init`; so are
 * the calls of the loader snippet's queue, which `install` replays through them.
 */
export function createGlobal(): WebTrackGlobal {
  let tracker: GlobalTracker | undefined
  const waiting: (() => void)[] = []
  const later = (call: (t: GlobalTracker) => void) => {
    if (tracker) call(tracker)
    else waiting.push(() => call(tracker!))
  }
  const api: WebTrackGlobal = {
    init(options) {
      if (tracker) throw new ValidationError('init', 'was called already: SLS_WEBTRACK has its tracker')
      tracker = open(options)
      for (const call of waiting.splice(0)) report(call)
    },
    push: (logs, options) => later((t) => t.push(logs, options)),
    setContext: (key, value) => later((t) => t.setContext(key, value)),
    removeContext: (key) => later((t) => t.removeContext(key)),
    setTrackingConsent: (consent) =>
      later((t) => {
        if (!t.setTrackingConsent) throw new ValidationError('trackingConsent', 'setTrackingConsent needs trackingConsent in init')
        t.setTrackingConsent(consent)
      }),
    flush: (options) =>
      new Promise<boolean>((resolve, reject) => {
        later((t) => {
          t.flush(options).then(resolve, reject)
        })
      }),
    onReady: (callback) => later(callback),
  }
  return api
}

/**
 * Makes one call; an error is reported on the console, not thrown: the calls after it, queued
 * by a page that could not catch it, are still made.
 */
export function report(call: () => void): void {
  try {
    call()
  } catch (error) {
    console.error('[sls-webtrack]', error)
  }
}
