// The pino transport: pino's worker thread writes the logger's lines (newline-delimited JSON)
// into the stream this returns; each line becomes a log pushed to a tracker. When the stream
// ends (the logger's transport is ended, or the process exits: pino then blocks the main
// thread until this stream closes), the tracker is closed, so that what was logged is sent.
import { Writable } from 'node:stream'
import { createTracker, type LogInput, type Tracker, type TrackerOptions } from '../core.js'

/** pino's own levels, by name. */
export const PINO_LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }

/**
 * Options of the transport: the tracker's (`project`, `endpoint`, `logstore`…), as pino hands
 * them to its worker. Only what survives a structured clone crosses into the worker: for
 * `fetch`, `onError` and the other functions, write a module of your own that calls
 * `createTransport` and name it as the target.
 */
export interface PinoTransportOptions extends TrackerOptions {
  /** Custom levels, name to number (as pino's `customLevels`), besides pino's own. */
  levels?: Record<string, number>
}

/** A pino line as a log: its keys as they are (objects as JSON text), `level` by its name. */
export function toLog(line: LogInput, names: ReadonlyMap<number, string>): LogInput {
  const level = line.level
  return typeof level === 'number' ? { ...line, level: names.get(level) ?? String(level) } : line
}

/** A line as pino wrote it: JSON, or (a destination writing plain text) its text as `msg`. */
function parse(text: string): LogInput {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as LogInput
  } catch {
    // Not JSON: kept as text, below.
  }
  return { msg: text }
}

/** The stream pino's worker writes into; `flush` is what pino's `logger.flush()` reaches. */
export interface PinoTransportStream extends Writable {
  readonly tracker: Tracker
  flush(): Promise<boolean>
}

/**
 * Creates the transport's stream on a tracker made from `options`. The module's default export
 * calls it with the options given to `pino.transport`.
 *
 * - Each line becomes one log: its keys as pino wrote them (`time`, `pid`, `hostname`, `msg`,
 *   the child loggers' bindings, the call's object), objects and arrays as JSON text, and
 *   `level` as its name (`info`; a level of no known name as its number).
 * - `logger.flush()` sends what is queued; the end of the stream (the transport ended, or the
 *   process exiting) closes the tracker, and the worker ends once every log is settled.
 *   pino's main thread waits up to 10 s for that, so `closeTimeoutMs` defaults to 8000 here.
 */
export function createTransport(options: PinoTransportOptions): PinoTransportStream {
  const names = new Map<number, string>()
  for (const [name, value] of Object.entries({ ...PINO_LEVELS, ...options.levels })) names.set(value, name)
  const tracker = createTracker({ closeTimeoutMs: 8000, ...options })
  let rest = ''
  const take = (text: string) => {
    if (text.trim()) tracker.push(toLog(parse(text), names))
  }
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) take(line)
      done()
    },
    final(done) {
      take(rest)
      rest = ''
      tracker.close().then(() => done(), done)
    },
  })
  return Object.assign(stream, { tracker, flush: () => tracker.flush() })
}
