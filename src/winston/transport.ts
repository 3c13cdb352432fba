// The winston transport: a winston-transport stream whose `log` pushes each entry to a
// tracker. Ending the logger (`logger.end()`) ends the transport, and its end waits for the
// tracker's close: winston's `finish` comes once every log is settled.
//
// The published declarations do not name winston-transport: its types are `export =`, which a
// consumer compiling without `esModuleInterop` cannot default-import. `SlsTransport` is typed
// by its shape instead, which winston's `transports` accept as they accept any TransportStream.
import type { Writable } from 'node:stream'
import TransportStream from 'winston-transport'
import { createTracker, type LogInput, type Tracker, type TrackerOptions } from '../core.js'

/** A logform format, as winston-transport's `format` option takes it. */
export interface TransportFormat {
  // `any`: winston reads this property as its own `Format` (logform's types, not named here).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  transform(info: any, options?: any): any
}

/** Options of `SlsTransport`: winston-transport's and the tracker's. */
export interface SlsTransportOptions extends TrackerOptions {
  /** Least severe level this transport takes. Default: the logger's. */
  level?: string
  /** A format of this transport's own, applied after the logger's. */
  format?: TransportFormat
  /** Takes nothing while `true`. */
  silent?: boolean
  /** Logs the process's uncaught exceptions too (winston's `exceptionHandlers`). */
  handleExceptions?: boolean
  /** Logs the process's unhandled rejections too. */
  handleRejections?: boolean
}

/** A winston transport on a tracker; see `SlsTransport`. */
export interface SlsTransport extends Writable {
  /** The tracker the entries go through (its `stats()`, `flush()`). */
  readonly tracker: Tracker
  level?: string
  format?: TransportFormat
  silent?: boolean
  handleExceptions?: boolean
  handleRejections?: boolean
  log(info: Record<string, unknown>, next: () => void): void
  close(): void
}

/** An entry as a log: its string keys as they are (`level`, `message`, metadata, child bindings); winston's symbols left out. */
export function toLog(info: Record<string, unknown>): LogInput {
  const log: LogInput = {}
  for (const key of Object.keys(info)) log[key] = info[key]
  return log
}

/**
 * A winston transport that sends each entry as a log through a tracker made from `options`
 * (see `createTracker`).
 *
 * - Keys: the entry's own string keys (`level` as winston names it, `message`, the call's
 *   metadata, a child logger's bindings, what formats add such as `timestamp`).
 * - `logger.end()` ends the transport: its `finish` (and the logger's) waits until every log
 *   is settled. `close()` (winston calls it when the transport is removed or the logger is
 *   closed) closes the tracker without waiting. A process that ends by itself sends what is
 *   left first (the tracker's `flushOnExit`); before `process.exit()`, end the logger and wait
 *   for `finish`.
 */
export const SlsTransport: new (options: SlsTransportOptions) => SlsTransport = class extends TransportStream {
  readonly tracker: Tracker

  constructor(options: SlsTransportOptions) {
    super(options)
    this.tracker = createTracker(options)
  }

  override log(info: Record<string, unknown>, next: () => void): void {
    this.tracker.push(toLog(info))
    this.emit('logged', info)
    next()
  }

  override close(): void {
    void this.tracker.close()
  }

  override _final(done: (error?: Error | null) => void): void {
    this.tracker.close().then(() => done(), done)
  }
}
