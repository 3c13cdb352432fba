/**
 * `sls-webtrack/consent`: a tracker that sends nothing, and persists nothing, until the user
 * consents. A wrapper over any tracker, so that a tracker without it pays nothing. See
 * docs/guide.md, "Consent".
 * @packageDocumentation
 */
// Only from the core entry: see src/context/index.ts.
import {
  ValidationError,
  type DropReason,
  type FlushOptions,
  type LogInput,
  type PushOptions,
  type Tracker,
  type TrackerStats,
} from '../core.js'

/** Whether the user consents to tracking. */
export type TrackingConsent = 'granted' | 'not-granted'

/** Why the consent wrapper dropped logs: held beyond `maxHeldLogs`, or refused (and at `close` while not granted). */
export type ConsentDropReason = Extract<DropReason, 'queue-full'> | 'not-granted'

/** Options of `withConsent`. */
export interface ConsentOptions {
  /**
   * Consent at start. `'not-granted'` (the default) means not decided yet: logs are held in
   * memory until `setTrackingConsent` grants or refuses.
   */
  trackingConsent?: TrackingConsent
  /** Most logs held while consent is not granted; newer ones are dropped (`'queue-full'`). Default 1,000. */
  maxHeldLogs?: number
  /** Called when the wrapper drops logs, with how many and why. The tracker's own drops go to its `onDrop`. */
  onDrop?: (count: number, reason: ConsentDropReason) => void
}

/** The tracker's counters, plus the logs held for consent. */
export interface ConsentStats extends TrackerStats {
  /** Logs held until consent is granted; also counted in `queued` (and `pushed`), so the tracker's identity holds. */
  held: number
}

/** A tracker gated by consent; see `withConsent`. */
export interface ConsentTracker extends Tracker {
  /**
   * `'granted'`: held logs are pushed to the tracker, in order, and later logs go straight
   * through. `'not-granted'`: consent is refused: held logs are dropped (counted, reason
   * `'not-granted'`), and so are later logs, until it is granted.
   * @throws ValidationError for any other value.
   */
  setTrackingConsent(consent: TrackingConsent): void
  /** The consent now. */
  readonly trackingConsent: TrackingConsent
  stats(): ConsentStats
}

/**
 * Wraps `tracker` so that, while consent is not granted, logs stay in this wrapper's memory
 * (bounded by `maxHeldLogs`): never sent, never written to the tracker's store. Granted, they
 * are pushed in order; refused, they are dropped and counted. `close` drops what is still held.
 * @throws ValidationError for a bad option, at once.
 * @example
 * const tracker = withConsent(createTracker({ project, endpoint, logstore }))
 * tracker.push({ event: 'view' }) // held
 * tracker.setTrackingConsent('granted') // sent from now on, the held log first
 */
export function withConsent<T extends Tracker>(tracker: T, options: ConsentOptions = {}): ConsentTracker & T {
  let consent = checkConsent(options.trackingConsent ?? 'not-granted')
  const maxHeld = options.maxHeldLogs ?? 1000
  if (!(maxHeld >= 0))
    throw new ValidationError('maxHeldLogs', `must be a number of logs, 0 or more (Infinity: no bound), got ${String(maxHeld)}`)
  // Refused, as opposed to not decided yet: logs are then dropped at push instead of held.
  let refused = false
  let held: [LogInput, PushOptions | undefined][] = []
  let dropped = 0
  const drop = (count: number, reason: ConsentDropReason) => {
    if (!count) return
    dropped += count
    try {
      options.onDrop?.(count, reason)
    } catch {
      // A throwing callback must not break `push`, which never throws.
    }
  }
  const release = () => {
    const logs = held
    held = []
    for (const [log, pushOptions] of logs) tracker.push(log, pushOptions)
  }
  const close = (closeOptions?: FlushOptions) => {
    drop(held.splice(0).length, 'not-granted')
    return tracker.close(closeOptions)
  }
  const own = {
    push(logs: LogInput | readonly LogInput[], pushOptions?: PushOptions) {
      // Closed: the tracker drops them itself, as `'closed'`.
      if (consent === 'granted' || tracker.closed) return tracker.push(logs, pushOptions)
      const list = Array.isArray(logs) ? (logs as readonly LogInput[]) : [logs as LogInput]
      if (refused) return drop(list.length, 'not-granted')
      const kept = list.slice(0, Math.max(0, maxHeld - held.length))
      for (const log of kept) held.push([log, pushOptions])
      drop(list.length - kept.length, 'queue-full')
    },
    setTrackingConsent(next: TrackingConsent) {
      consent = checkConsent(next)
      refused = consent === 'not-granted'
      if (refused) drop(held.splice(0).length, 'not-granted')
      else release()
    },
    get trackingConsent() {
      return consent
    },
    close,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- engines before 2025 have no Symbol.asyncDispose
    [Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)]: close,
    stats(): ConsentStats {
      const s = tracker.stats()
      // Logs the tracker has not seen: held ones are queued here, dropped ones dropped here.
      const waiting = held.length
      return { ...s, pushed: s.pushed + waiting + dropped, queued: s.queued + waiting, dropped: s.dropped + dropped, held: waiting }
    },
  }
  // The tracker stays the prototype: its getters and methods are reached as they are.
  return Object.create(tracker, Object.getOwnPropertyDescriptors(own)) as ConsentTracker & T
}

function checkConsent(value: unknown): TrackingConsent {
  if (value === 'granted' || value === 'not-granted') return value
  throw new ValidationError('trackingConsent', `must be 'granted' or 'not-granted', got ${JSON.stringify(value)}`)
}
