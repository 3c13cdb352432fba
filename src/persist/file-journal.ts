// The journal on a file (Node; Bun and Deno run node:fs too): the format of journal.ts, one
// process per file (lock-file.ts), appends batched, compaction when the file outgrows its live
// logs. `fileStore` (file-store.ts) sits on it. Crash cases: README.md here.
//
// Writes and fsync. Records are appended in batches, one `write` per batch: the records of one
// synchronous run of the caller's code go in one write on the next turn of the event loop (or at
// `flush`), and, at `process.exit()`, by an `exit` listener (`flushSync`). Once written, they survive the death of the process (SIGKILL included), whose writes
// are in the kernel already; fsync only matters when the machine itself stops (power, kernel).
// There the rule is:
// - a batch holding an `ack` is fsynced before `flush` resolves. An ack comes once per request
//   the service accepted, so its cost is bounded by the send rate and small beside the round
//   trip that preceded it; an ack lost with the machine would send its logs a second time,
//   uncounted. The fsync also carries every push written before it.
// - a batch of pushes only is fsynced at most `syncMs` (1 s) later. Pushes come at the
//   application's rate; an fsync per push would tie that rate to the disk's (1–10 ms each).
//   A machine that stops may lose the logs of the last second, as it would in memory.
// - on `close`, and around compaction (the new file, then its directory, before it is used).
// Nothing here is timed in tests; the trade-off is the one of SQLite's WAL with
// `synchronous=NORMAL` (durable across process crashes, not across power loss for the last
// writes).
import {
  closeSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
  copyFileSync,
} from 'node:fs'
import { dirname } from 'node:path'
// node:timers: its timers have `unref` in Deno too, where the global `setTimeout` returns a number.
import { clearImmediate, clearTimeout, setImmediate, setTimeout } from 'node:timers'
import { promisify } from 'node:util'
import { checkOption } from '../check-option.js'
import { systemCause } from '../errors.js'
import { JournalError } from './errors.js'
import {
  applyRecord,
  compactJournal,
  decodeJournal,
  encodeRecord,
  HEADER_BYTES,
  journalHeader,
  type JournalRecord,
  type JournalState,
} from './journal.js'
import { lockJournal, type LockFile } from './lock-file.js'

const fsyncAsync = promisify(fsync)

/** Options of `FileJournal.open`. */
export interface FileJournalOptions {
  /** Longest time a written batch of pushes waits for its fsync, in ms. Default 1000. */
  syncMs?: number
  /** Compact when the file is larger than this many times its live size. Default 4. */
  compactRatio?: number
  /** ... and larger than this, in bytes. Default 1 MiB. */
  compactMinBytes?: number
  /**
   * A damaged file: `false` (default) refuses to open it; `true` copies it to
   * `<path>.corrupt-<ms>`, then keeps its whole records before the damage and drops the rest.
   */
  repair?: boolean
  /** The clock of snapshot records, in ms. Default `Date.now`. */
  now?: () => number
}

type Settings = Required<Omit<FileJournalOptions, 'repair'>>

/** The options with their defaults, checked before any file is touched. */
const settle = (options: FileJournalOptions): Settings => ({
  syncMs: checkOption('syncMs', options.syncMs, 1000, 0, 2147483647, ' ms'),
  compactRatio: checkOption('compactRatio', options.compactRatio, 4, 1.5, Infinity, ' times'),
  compactMinBytes: checkOption('compactMinBytes', options.compactMinBytes, 1 << 20, 0, Infinity),
  now: options.now ?? Date.now,
})

const ioError = (path: string, doing: string, error: unknown) =>
  error instanceof JournalError
    ? error
    : new JournalError({
        code: 'io',
        path,
        message: `journal ${JSON.stringify(path)}: cannot ${doing}: ${systemCause(error)}`,
        cause: error,
      })

/** Writes all of `bytes` at the end of `fd` (opened for appending): one write, more only if the system takes part of it. */
/** The journals open in this process, written out by one `exit` listener (see `flushSync`). */
const journals = new Set<FileJournal>()
let listening = false
const onExit = () => {
  for (const journal of journals) journal.flushSync()
}

// Appends to the journal are synchronous: a write into the page cache takes microseconds, and a
// batch is then either in the file or still in `#pending`, never half-way in a thread-pool write
// that `process.exit()` would abandon. The fsyncs, which take milliseconds, stay asynchronous.
function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at, null)
}

function readAll(fd: number): Uint8Array {
  const bytes = new Uint8Array(fstatSync(fd).size)
  for (let at = 0, n; at < bytes.length; at += n) if (!(n = readSync(fd, bytes, at, bytes.length - at, at))) return bytes.subarray(0, at)
  return bytes
}

/** Makes a rename in `dir` durable. Some systems cannot open a directory for it (Windows): the rename is then as durable as they make it. */
function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Best effort, see above.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Reads the journal at `fd`, truncates a torn tail, and writes the header of a new one. */
function load(path: string, fd: number, repair: boolean): JournalState & { size: number } {
  const bytes = readAll(fd)
  const state = decodeJournal(bytes)
  if (state.corrupt) {
    const { offset, reason } = state.corrupt
    if (!repair) {
      const message = `journal ${JSON.stringify(path)} is damaged at byte ${offset}: ${reason}. The ${offset} bytes before it are whole; open it with { repair: true } to keep them and drop the rest (the file is copied aside first)`
      throw new JournalError({ code: 'corrupt', path, offset, message })
    }
    copyFileSync(path, `${path}.corrupt-${Date.now()}`)
  }
  // A header cut short is a file that never held a record: it starts again.
  const keep = state.validBytes < HEADER_BYTES ? 0 : state.validBytes
  if (keep < bytes.length) ftruncateSync(fd, keep)
  if (!keep) writeSync(fd, journalHeader())
  if (keep < bytes.length || !keep) fsyncSync(fd)
  // A new file: its name in the directory must last as well as its bytes.
  if (!bytes.length) syncDir(dirname(path))
  return Object.assign(state, { size: keep || HEADER_BYTES })
}

/**
 * An append-only journal file of pushed and acknowledged logs, held by one process. `state` is
 * what the file holds once the records appended so far are written.
 */
export class FileJournal {
  /** The journal file. */
  readonly path: string
  /** Per topic, the logs pushed and not acknowledged, in order; up to date with every `push` and `ack`. */
  readonly state: JournalState
  #fd: number
  readonly #lock: LockFile
  readonly #options: Settings
  /** Bytes in the file. */
  #size: number
  /** Encoded records not yet written, and whether one is an ack. */
  #pending: Uint8Array[] = []
  #acked = false
  /** Writes, fsyncs and compactions, one at a time, in order. */
  #chain: Promise<void> = Promise.resolve()
  #flushing: ReturnType<typeof setImmediate> | undefined
  #syncing: ReturnType<typeof setTimeout> | undefined
  /** Written since the last fsync. */
  #dirty = false
  #failed: JournalError | undefined
  #closed = false

  private constructor(path: string, fd: number, lock: LockFile, state: JournalState & { size: number }, options: Settings) {
    this.path = path
    this.#fd = fd
    this.#lock = lock
    this.#size = state.size
    this.state = state
    this.#options = options
    // One listener for the process, added with the first journal and left in place after.
    listening ||= !!process.once('exit', onExit)
    journals.add(this)
  }

  /**
   * Opens the journal at `path` (created with mode 0o600 when missing) for this process, and
   * reads it: a torn tail is truncated, a compaction that died before its rename is removed.
   * @throws JournalError: `locked` naming the process that holds it, `corrupt` naming the byte
   * where the damage starts, `io` naming the system error (`EACCES`, `ENOSPC`…).
   */
  static open(path: string, options: FileJournalOptions = {}): FileJournal {
    const settings = settle(options)
    const lock = (() => {
      try {
        return lockJournal(path)
      } catch (error) {
        throw ioError(path, 'take its lock', error)
      }
    })()
    let fd: number | undefined
    try {
      rmSync(`${path}.compact`, { force: true })
      fd = openSync(path, 'a+', 0o600)
      return new FileJournal(path, fd, lock, load(path, fd, options.repair ?? false), settings)
    } catch (error) {
      if (fd !== undefined) closeSync(fd)
      lock.release()
      throw ioError(path, 'open it', error)
    }
  }

  /** Bytes in the file (written records; pending ones not yet). */
  get size(): number {
    return this.#size
  }

  /** Appends a log to the queue of `topic`; returns its seq. Written on the next turn of the event loop, or at `flush`. */
  push(topic: string, json: string, at: number = this.#options.now()): number {
    const seq = this.state.nextSeq
    this.#append({ kind: 'push', topic, seq, at, json })
    return seq
  }

  /** Settles logs of `topic`: those still queued with a seq up to `settled`, or those listed. Fsynced once written. */
  ack(topic: string, settled: number | readonly number[]): void {
    this.#append(typeof settled === 'number' ? { kind: 'ack', topic, upTo: settled } : { kind: 'ack', topic, seqs: [...settled] })
    this.#acked = true
  }

  /**
   * Marks logs of `topic` as handed to a request, and writes what is pending now,
   * synchronously: the request leaves this turn of the event loop, and a kill right after it
   * must find the mark (the next reader counts those logs' second copy). A failed write fails
   * the next `flush`.
   */
  sent(topic: string, seqs: readonly number[]): void {
    this.#append({ kind: 'sent', topic, seqs })
    if (this.#failed) return
    try {
      this.#writePending()
    } catch (error) {
      this.#failed = ioError(this.path, 'write it', error)
    }
  }

  #append(record: JournalRecord): void {
    if (this.#closed) throw new JournalError({ code: 'io', path: this.path, message: `journal ${JSON.stringify(this.path)} is closed` })
    this.#pending.push(encodeRecord(record))
    applyRecord(this.state, record)
    this.#flushing ??= setImmediate(() => void this.flush().catch(() => undefined))
  }

  /**
   * Writes the records appended so far, in one write, and fsyncs them if one is an ack; then
   * compacts the file if it is due. Rejects with the `JournalError` of a failed write: the
   * journal is unusable from then on (what it holds on disk is still whole).
   */
  flush(): Promise<void> {
    const run = this.#chain.then(() => this.#write())
    this.#chain = run.catch(() => undefined)
    return run
  }

  async #write(): Promise<void> {
    clearImmediate(this.#flushing)
    this.#flushing = undefined
    if (this.#failed) throw this.#failed
    if (!this.#pending.length) return
    const acked = this.#acked
    try {
      this.#writePending()
      if (acked) await this.#sync()
      else this.#syncing ??= setTimeout(() => void this.#syncLater(), this.#options.syncMs).unref()
      const { compactRatio, compactMinBytes } = this.#options
      if (this.#size > compactMinBytes && this.#size > compactRatio * this.state.liveBytes) this.#compact()
    } catch (error) {
      throw (this.#failed = ioError(this.path, 'write it', error))
    }
  }

  #writePending(): void {
    const batch = Buffer.concat(this.#pending)
    this.#pending = []
    this.#acked = false
    writeAllSync(this.#fd, batch)
    this.#size += batch.length
    this.#dirty = true
  }

  /**
   * Writes what is pending now, synchronously, without an fsync: for `process.exit()`, whose
   * `exit` listeners cannot wait. The records then survive the process (not a crash of the
   * system before the kernel writes them back). Does nothing once closed or failed.
   */
  flushSync(): void {
    if (this.#closed || this.#failed || !this.#pending.length) return
    try {
      this.#writePending()
    } catch {
      // The process is ending: there is no one left to tell, and the file is whole up to here.
    }
  }

  async #sync(): Promise<void> {
    clearTimeout(this.#syncing)
    this.#syncing = undefined
    if (!this.#dirty) return
    this.#dirty = false
    await fsyncAsync(this.#fd)
  }

  /** The fsync of a batch of pushes, `syncMs` after it was written; a failure fails the next `flush`. */
  #syncLater(): Promise<void> {
    this.#chain = this.#chain
      .then(() => this.#sync())
      .catch((error: unknown) => {
        this.#failed ??= ioError(this.path, 'fsync it', error)
      })
    return this.#chain
  }

  /**
   * Rewrites the file with its live logs only: a temporary file, fsynced, renamed over the
   * journal, the directory fsynced. A crash before the rename leaves the old file whole (and the
   * temporary one, removed at the next open); after it, the new one.
   */
  #compact(): void {
    // The compacted file takes the records still pending too (the state has them already).
    const bytes = compactJournal(this.state, this.#options.now())
    this.#pending = []
    this.#acked = false
    // Synchronous from here to the rename, fsync included: a `process.exit()` then finds the
    // pending records either in the old file or in the new one, never in neither. It blocks
    // the event loop for one fsync (milliseconds), once per compaction, which is rare.
    const temp = `${this.path}.compact`
    const fd = openSync(temp, 'w', 0o600)
    try {
      writeAllSync(fd, bytes)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, this.path)
    syncDir(dirname(this.path))
    const old = this.#fd
    this.#fd = openSync(this.path, 'a', 0o600)
    closeSync(old)
    this.#size = bytes.length
    this.#dirty = false
  }

  /** Writes what is pending, fsyncs, closes the file and releases its lock. Later appends throw. */
  async close(): Promise<void> {
    if (this.#closed) return
    try {
      await this.flush()
      await (this.#chain = this.#chain.then(() => this.#sync()))
    } finally {
      this.#closed = true
      journals.delete(this)
      clearImmediate(this.#flushing)
      clearTimeout(this.#syncing)
      closeSync(this.#fd)
      this.#lock.release()
    }
  }
}
