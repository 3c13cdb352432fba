// Between an event and the tracker: repeats collapse into one log, and a fixed window bounds
// how many logs a minute leave. Both protect the page's users (a loop that throws 60 times a
// second) and the Logstore's budget; what they hold back is counted and said in a log.
import type { Log } from '../core.js'

/** Counters of `startCapture`. */
export interface CaptureStats {
  /** Events seen (captured or not). */
  seen: number
  /** Logs handed to the tracker, summaries included. */
  sent: number
  /** Repeats folded into a `repeats` log instead of sent one by one. */
  collapsed: number
  /** Logs held back by the rate limit; a `capture` log says how many, in the next window. */
  limited: number
  /** Events left out as the tracker's own (its errors, its console calls, its CSP blocks). */
  ignored: number
}

export interface GateOptions {
  /** Most logs a window. */
  readonly maxPerMinute: number
  /** How long after a log an identical one counts as a repeat, in ms. */
  readonly repeatWindowMs: number
  /** Where logs that pass go. */
  readonly send: (log: Log) => void
}

/** What makes two logs repeats of each other. */
const fingerprint = (log: Log): string =>
  [log.kind, log.level, log.message, log.file, log.line, log.column, log.resource_url, log.blocked_uri].join('\u0000')

const WINDOW_MS = 60_000

/** The gate: `pass` each log; `end` at stop, to send what is still held. */
export interface Gate {
  readonly stats: CaptureStats
  pass(log: Log): void
  /** Sends what is held: the open run's repeats and the window's overflow. */
  end(): void
}

// A closure, not a class: class fields compiled for ES2020 bring a helper that the build would
// share with the other entries' chunks (and so move their bytes).
export function createGate({ maxPerMinute, repeatWindowMs, send }: GateOptions): Gate {
  const stats: CaptureStats = { seen: 0, sent: 0, collapsed: 0, limited: 0, ignored: 0 }
  let run: { key: string; log: Log; repeats: number } | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let windowStart = -Infinity
  let inWindow = 0
  let overflow = 0

  const forward = (log: Log) => {
    stats.sent++
    send(log)
  }
  /** One log for the logs the last window held back. */
  const summarise = () => {
    if (!overflow) return
    const n = overflow
    overflow = 0
    forward({ kind: 'capture', level: 'warn', message: `${n} log(s) not captured: over ${maxPerMinute} a minute`, limited: String(n) })
  }
  /** The rate limit: a fixed window that opens at its first log. */
  const limit = (log: Log) => {
    const now = Date.now()
    if (now - windowStart >= WINDOW_MS) {
      summarise()
      windowStart = now
      inWindow = 0
    }
    if (inWindow >= maxPerMinute) {
      overflow++
      stats.limited++
      return
    }
    inWindow++
    forward(log)
  }
  /** Ends the run of repeats: one log with the count, if there were any. */
  const endRun = () => {
    clearTimeout(timer)
    const ended = run
    run = undefined
    if (ended?.repeats) limit({ ...ended.log, repeats: String(ended.repeats) })
  }
  return {
    stats,
    pass(log) {
      const key = fingerprint(log)
      if (run?.key === key) {
        run.repeats++
        stats.collapsed++
        return
      }
      endRun()
      if (repeatWindowMs > 0) {
        run = { key, log, repeats: 0 }
        timer = setTimeout(endRun, repeatWindowMs)
      }
      limit(log)
    },
    end() {
      endRun()
      summarise()
    },
  }
}
