// A tracker's queue in a file (Node; Bun and Deno run node:fs too), on FileJournal: each push
// is written behind, each settled batch acknowledged, so that what the service has not accepted
// outlives the process and is sent by the next tracker on the file. Its promises and bounds:
// docs/guide.md, "Never lose a log"; the file's format and fsync policy: README.md here.
// node:timers: see file-journal.ts.
import { setImmediate } from 'node:timers'
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import { ValidationError, WebTrackError } from '../errors.js'
import type { Entry, QueueStore, Topic } from '../tracker/queue.js'
import { JournalError } from './errors.js'
import { FileJournal } from './file-journal.js'
import { recordLength, type PushRecord } from './journal.js'
import { checkStoreOptions, drop, report, restore, stamp, STORE_DEFAULTS, type StoreHost, type StoredLog } from './restore.js'

/** Options of `fileStore`. */
export interface FileStoreOptions {
  /** The journal file; made (mode 0o600) when missing. One process at a time: a lock file `<path>.lock` beside it. */
  path: string
  /**
   * Most bytes of logs (as the journal holds them) a new tracker loads from the file; the
   * oldest beyond it are dropped and reported through `onDrop` (`'store-full'`). Default
   * 4 MiB (4,194,304), below the tracker's `maxQueueBytes` (8 MiB), which the loaded logs
   * count against too.
   */
  maxStoreBytes?: number
  /**
   * Logs pushed longer ago than this, in ms, are dropped when a new tracker loads the file,
   * and reported through `onDrop` (`'expired'`). Default 7 days (604,800,000 ms).
   */
  maxAgeMs?: number
  /**
   * Longest time written pushes wait for their fsync, in ms (acknowledgements are fsynced at
   * once). Matters only when the machine stops: a process that dies loses nothing written.
   * Default 1000.
   */
  syncMs?: number
  /**
   * The field that carries the time a log was pushed (ms since the epoch, as a decimal string)
   * when a later tracker sends it: the service stamps `__time__` on receipt, which for such a
   * log is late. `false` leaves it out. A log that has the field keeps its own. Default
   * `'pushed_at'`.
   */
  timeField?: string | false
  /**
   * A damaged file: `false` (default) falls back to memory and reports it; `true` copies it
   * to `<path>.corrupt-<ms>` and loads its whole records before the damage.
   */
  repair?: boolean
}

/** The file store's queue of one topic: an array that writes each push to the journal. */
class FileQueue extends Array<Entry> {
  // splice's result is a plain array (a batch), not another queue.
  static override get [Symbol.species]() {
    return Array
  }
  declare store: FileStore
  declare topic: string

  override push(...entries: Entry[]): number {
    for (const entry of entries) this.store.wrote(this.topic, entry)
    return super.push(...entries)
  }

  // The tracker takes a batch with `splice(0, n)`: from here its request may arrive.
  override splice(...args: [number, number]): Entry[] {
    const taken = super.splice(...args)
    this.store.taking(this.topic, taken)
    return taken
  }

  /** Puts an entry the journal holds already at the end, unwritten. */
  adopt(entry: Entry): void {
    super.push(entry)
  }
}

class FileStore implements FileQueueStore {
  declare readonly options: FileStoreOptions
  /** Unset once it failed (or could not be opened): the store is then memory only. */
  declare journal: FileJournal | undefined
  /** The error that made it memory only, reported once the tracker is attached. */
  declare failure: JournalError | undefined
  declare tracker: StoreHost | undefined
  /** The journal's seq of each queued log, by the tracker's. */
  declare readonly seqs: Map<number, number>
  declare closing: Promise<void> | undefined
  declare watching: boolean

  constructor(options: FileStoreOptions) {
    this.options = options
    this.seqs = new Map()
    this.watching = false
    try {
      this.journal = FileJournal.open(options.path, { syncMs: options.syncMs, repair: options.repair })
    } catch (error) {
      this.failure = error as JournalError
    }
  }

  get path(): string {
    return this.options.path
  }

  open(topic: string): FileQueue {
    const queue = new FileQueue()
    queue.store = this
    queue.topic = topic
    return queue
  }

  /** A log was queued: written to the journal, its seq kept. */
  wrote(topic: string, entry: Entry): void {
    const journal = this.journal
    if (!journal || this.closing) return
    try {
      this.seqs.set(entry.seq, journal.push(topic, entry.json))
    } catch (error) {
      this.fail(error)
    }
    this.watch()
  }

  /**
   * Logs left their queue for a request (or to be settled at once): marked as maybe sent. A
   * failed write is reported by the next `flush`, which the next push or ack starts.
   */
  taking(topic: string, logs: readonly Entry[]): void {
    const seqs = logs.flatMap((log) => this.seqs.get(log.seq) ?? [])
    if (this.journal && !this.closing && seqs.length) this.journal.sent(topic, seqs)
  }

  ack(topic: string, logs: readonly Entry[]): void {
    const seqs: number[] = []
    for (const log of logs) {
      const seq = this.seqs.get(log.seq)
      if (seq === undefined) continue
      this.seqs.delete(log.seq)
      seqs.push(seq)
    }
    const journal = this.journal
    if (!journal || this.closing || !seqs.length) return
    try {
      journal.ack(topic, front(journal, topic, seqs) ?? seqs)
    } catch (error) {
      this.fail(error)
    }
    this.watch()
  }

  /** A write that fails (disk full, file removed) turns the store to memory, reported once. */
  watch(): void {
    if (this.watching) return
    this.watching = true
    setImmediate(() => {
      this.watching = false
      void this.flush()
    })
  }

  /** Resolves once what was pushed and acknowledged so far is written (acks fsynced). Never rejects: a failure is reported. */
  async flush(): Promise<void> {
    try {
      await this.journal?.flush()
    } catch (error) {
      this.fail(error)
    }
  }

  fail(error: unknown): void {
    const journal = this.journal
    if (!journal) return
    this.journal = undefined
    this.failure =
      error instanceof JournalError
        ? error
        : new JournalError({ code: 'io', path: this.options.path, message: String(error), cause: error })
    // Its file stays whole up to the failure; the lock goes with the close.
    journal.close().catch(() => undefined)
    if (this.tracker) report(this.tracker, fallback(this.failure))
  }

  attach(tracker: unknown): void {
    if (this.tracker)
      throw new ValidationError('store', 'serves one tracker, and this one has one already: make a fileStore per tracker (and per file)')
    const b = (this.tracker = tracker as StoreHost)
    if (this.failure) {
      report(b, fallback(this.failure))
      return
    }
    const journal = this.journal!
    const { expired, full, kept } = bound(journal, this.options, Date.now())
    const field = this.options.timeField ?? STORE_DEFAULTS.timeField
    for (const [topic, logs] of kept) {
      const stored = logs.map((log): StoredLog => ({ json: field ? stamp(log.json, field, log.at) : log.json, at: log.at, key: log.seq }))
      const left = restore(b, topic, stored, (t: Topic, entry, log) => {
        this.seqs.set(entry.seq, log.key)
        // Its request may have arrived before the process died: sent again, counted.
        if (journal.state.topics.get(topic)!.get(log.key)!.sent) b.counts.retried++
        ;(t.queue as FileQueue).adopt(entry)
      })
      if (left.length)
        journal.ack(
          topic,
          left.map((log) => log.key),
        )
    }
    for (const [reason, logs] of [
      ['expired', expired],
      ['store-full', full],
    ] as const) {
      for (const [topic, seqs] of byTopic(logs)) journal.ack(topic, seqs)
      drop(b, logs.length, reason, true)
    }
    this.watch()
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.journal?.close()
      } catch (error) {
        if (this.tracker) report(this.tracker, fallback(error as JournalError))
      }
    })()
    return this.closing
  }
}

/** The error reported when the store turns to memory. */
const fallback = (error: JournalError) =>
  new WebTrackError(`fileStore: logs are kept in memory only from now on (not across a restart), because ${error.message}`, {
    cause: error,
  })

/** `upTo` when `seqs` are the front of the topic in the journal (the usual case: a batch from the head); otherwise undefined. */
function front(journal: FileJournal, topic: string, seqs: number[]): number | undefined {
  const live = journal.state.topics.get(topic)
  if (!live) return
  seqs.sort((a, b) => a - b)
  let i = 0
  for (const seq of live.keys()) {
    if (i === seqs.length) break
    if (seq !== seqs[i++]) return
  }
  return i === seqs.length ? seqs[i - 1] : undefined
}

/**
 * The journal's logs split by the store's bounds: those pushed more than `maxAgeMs` ago, then
 * the oldest beyond `maxStoreBytes` (by journal seq, across topics), then the rest, by topic.
 */
function bound(journal: FileJournal, options: FileStoreOptions, now: number) {
  const maxAge = checkOption('maxAgeMs', options.maxAgeMs, STORE_DEFAULTS.maxAgeMs, 0, Infinity, ' ms')
  const maxBytes = checkOption('maxStoreBytes', options.maxStoreBytes, STORE_DEFAULTS.maxStoreBytes, 0, Infinity, ' bytes')
  const all = [...journal.state.topics.values()].flatMap((logs) => [...logs.values()])
  const expired = all.filter((log) => now - log.at > maxAge)
  const fresh = all.filter((log) => now - log.at <= maxAge).sort((a, b) => b.seq - a.seq)
  // Newest first: keep while they fit.
  let bytes = 0
  let cut = 0
  while (cut < fresh.length && (bytes += recordLength(fresh[cut]!)) <= maxBytes) cut++
  const kept = byTopic(fresh.slice(0, cut), true)
  const full = fresh.slice(cut)
  return { expired, full, kept }
}

/** Logs grouped by topic, each group oldest first; as records, or (`records` false) as seqs. */
function byTopic(logs: readonly PushRecord[]): Map<string, number[]>
function byTopic(logs: readonly PushRecord[], records: true): Map<string, PushRecord[]>
function byTopic(logs: readonly PushRecord[], records = false): Map<string, (number | PushRecord)[]> {
  const topics = new Map<string, (number | PushRecord)[]>()
  for (const log of [...logs].sort((a, b) => a.seq - b.seq)) {
    const group = topics.get(log.topic) ?? []
    if (!group.length) topics.set(log.topic, group)
    group.push(records ? log : log.seq)
  }
  return topics
}

/** A file store as `fileStore` returns it: a `QueueStore` that can be flushed and closed. */
export interface FileQueueStore extends QueueStore {
  /** The journal file. */
  readonly path: string
  /** Resolves once every push and acknowledgement so far is written (acknowledgements fsynced). Never rejects. */
  flush(): Promise<void>
  /** Writes what is pending, closes the file and releases its lock. The tracker's `close` calls it. */
  close(): Promise<void>
}

/**
 * A store that keeps a tracker's pending logs in a file (Node, Bun, Deno), for
 * `createTracker({ ..., store: fileStore({ path }) })`. Logs leave the file only once the
 * service accepted them, they failed for good, or they were dropped; what a process leaves
 * (killed, crashed, or closed with logs unsent) is sent by the next tracker on the file, first,
 * in order within each topic. A file that cannot be used (in use by another process, damaged,
 * unreadable) makes the tracker keep its logs in memory, reported once through `onError`;
 * `push` never throws for it. See docs/guide.md, "Never lose a log".
 *
 * @throws ValidationError for a bad option (checked at once), or, from `createTracker`, when
 * the store already serves a tracker.
 * @example
 * const tracker = createTracker({ project, endpoint, logstore, store: fileStore({ path: 'logs.journal' }) })
 */
export function fileStore(options: FileStoreOptions): FileQueueStore {
  // Checked as values: a JavaScript caller may pass anything.
  const path: unknown = options.path
  if (typeof path !== 'string' || !path) throw new ValidationError('path', `must be a file path, got ${JSON.stringify(path)}`)
  checkStoreOptions(options)
  checkOption('syncMs', options.syncMs, 1000, 0, MAX_TIMER_MS, ' ms')
  return new FileStore(options)
}
