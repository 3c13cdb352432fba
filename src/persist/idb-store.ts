// A tracker's queue in IndexedDB (browsers, workers): each push written behind, in one
// transaction per animation frame or 100 ms; each settled log deleted; what a page leaves
// (closed, reloaded, crashed) is claimed and sent by the next tracker of the origin on the same
// store name. Tabs sharing a store each send the logs they hold, and claim those of a tab only
// once it is dead (idb.ts): no log is in two tabs' queues. Its promises and bounds:
// docs/guide.md, "Never lose a log"; the database's shape: idb.ts and README.md here.
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import { ValidationError, WebTrackError } from '../errors.js'
import { utf8Length } from '../request/encode.js'
import type { Entry, QueueStore, Topic } from '../tracker/queue.js'
import { committed, done, failure, newTabId, openDatabase, TabLease, type RecordKey, type StoredRecord } from './idb.js'
import { checkStoreOptions, drop, report, restore, stamp, STORE_DEFAULTS, type StoreHost, type StoredLog } from './restore.js'

/** Options of `indexedDBStore`. */
export interface IndexedDBStoreOptions {
  /**
   * The store's name: pages and workers of one origin with the same name share it (the
   * database `sls-webtrack:<name>`). Default `'default'`.
   */
  name?: string
  /**
   * Most bytes of logs (their JSON text and topic) a tracker claims from dead tabs; the oldest
   * beyond it are dropped and reported through `onDrop` (`'store-full'`). Default 4 MiB.
   */
  maxStoreBytes?: number
  /** Logs pushed longer ago than this, in ms, are dropped when claimed (`'expired'`). Default 7 days. */
  maxAgeMs?: number
  /** The field that carries the time a claimed log was pushed; `false` leaves it out. Default `'pushed_at'`. */
  timeField?: string | false
  /**
   * Where Web Locks are missing: how long a tab that stopped renewing its lease (every third
   * of it) keeps its logs from the others, in ms. With Web Locks a dead tab's logs are free at
   * once; this is then only how often a tab looks for them. Default 10,000.
   */
  leaseMs?: number
}

/** An IndexedDB store as `indexedDBStore` returns it: a `QueueStore` that can be flushed and closed. */
export interface IndexedDBQueueStore extends QueueStore {
  /** The store's name. */
  readonly name: string
  /** Resolves once every push and acknowledgement so far is committed. Never rejects. */
  flush(): Promise<void>
  /** Writes what is pending and lets go of the database: what is left goes to the next tab. */
  close(): Promise<void>
}

/** The store's queue of one topic: an array that writes each push behind. */
class IDBQueue extends Array<Entry> {
  // splice's result is a plain array (a batch), not another queue.
  static override get [Symbol.species]() {
    return Array
  }
  declare store: IDBStore
  declare topic: string

  override push(...entries: Entry[]): number {
    for (const entry of entries) this.store.wrote(this.topic, entry)
    return super.push(...entries)
  }
}

type Timer = ReturnType<typeof setTimeout>

const g = globalThis as unknown as {
  document?: { visibilityState?: string }
  requestAnimationFrame?: (fn: () => void) => number
  cancelAnimationFrame?: (id: number) => void
  addEventListener?: (type: string, fn: (event: { persisted?: boolean }) => void, options?: object) => void
}

class IDBStore implements IndexedDBQueueStore {
  declare readonly options: IndexedDBStoreOptions
  declare readonly name: string
  declare readonly leaseMs: number
  declare readonly lease: TabLease
  /** Set while the store writes; unset before it opened and once it fell back to memory. */
  declare db: IDBDatabase | undefined
  declare tracker: StoreHost | undefined
  declare opening: Promise<void> | undefined
  /** Set once it fell back to memory (reported once) or closed: nothing is written after. */
  declare off: boolean
  /** The page is going away: settled logs are kept (see `attach`). */
  declare leaving: boolean
  /** The record key of each queued or in-flight log, by the tracker's seq. */
  declare readonly keys: Map<number, RecordKey>
  /** The next record number of this tab. */
  declare n: number
  /** Pushes not yet written, by record number; an ack before the write removes it here. */
  declare puts: Map<number, StoredRecord>
  declare deletes: RecordKey[]
  declare frame: number | undefined
  declare timeout: Timer | undefined
  /** The last write's commit: transactions commit in order. */
  declare last: Promise<void>
  declare claiming: Timer | undefined

  constructor(options: IndexedDBStoreOptions, leaseMs: number) {
    this.options = options
    this.name = options.name ?? 'default'
    this.leaseMs = leaseMs
    this.lease = new TabLease(this.name, newTabId())
    this.off = this.leaving = false
    this.keys = new Map()
    this.n = 0
    this.puts = new Map()
    this.deletes = []
    this.last = Promise.resolve()
  }

  open(topic: string): IDBQueue {
    const queue = new IDBQueue()
    queue.store = this
    queue.topic = topic
    return queue
  }

  /** A log was queued: its record waits for the next write. */
  wrote(topic: string, entry: Entry): void {
    if (this.off) return
    const n = this.n++
    this.keys.set(entry.seq, [this.lease.id, n])
    this.puts.set(n, { owner: this.lease.id, topic, at: Date.now(), json: entry.json })
    this.schedule()
  }

  ack(_topic: string, logs: readonly Entry[]): void {
    // A page going away settles what it cannot send (`'unload'`): the next page sends it.
    if (this.off || this.leaving) return
    for (const log of logs) {
      const key = this.keys.get(log.seq)
      if (!key) continue
      this.keys.delete(log.seq)
      // Never written: forgotten here.
      if (!(key[0] === this.lease.id && this.puts.delete(key[1]))) this.deletes.push(key)
    }
    this.schedule()
  }

  /** One write per animation frame (visible pages) or per 100 ms, whichever comes first. */
  schedule(): void {
    if (this.timeout !== undefined || !this.db) return
    this.timeout = setTimeout(() => this.write(), 100)
    if (g.requestAnimationFrame && g.document?.visibilityState === 'visible') {
      this.frame = g.requestAnimationFrame(() => this.write())
    }
  }

  /** Writes the pending pushes and deletes in one transaction, now. */
  write(): void {
    clearTimeout(this.timeout)
    if (this.frame !== undefined) g.cancelAnimationFrame?.(this.frame)
    this.timeout = this.frame = undefined
    const db = this.db
    if (!db || (!this.puts.size && !this.deletes.length)) return
    const { puts, deletes } = this
    this.puts = new Map()
    this.deletes = []
    try {
      const tx = db.transaction('logs', 'readwrite')
      const logs = tx.objectStore('logs')
      for (const [n, record] of puts) logs.put(record, [this.lease.id, n])
      for (const key of deletes) logs.delete(key)
      this.last = committed(tx).catch((error: unknown) => this.fail(error))
      // Now, not after the requests' round trips: a page being closed may not live that long
      // (missing before Chromium 76, Firefox 74, Safari 15).
      ;(tx as { commit?: () => void }).commit?.()
    } catch (error) {
      this.fail(error)
    }
  }

  async flush(): Promise<void> {
    await this.opening
    this.write()
    await this.last
  }

  attach(tracker: unknown): void {
    if (this.tracker)
      throw new ValidationError('store', 'serves one tracker, and this one has one already: make an indexedDBStore per tracker')
    this.tracker = tracker as StoreHost
    // Before the tracker's own `pagehide` listener (capture): from here on what it settles
    // without sending stays for the next page; what is pending is written now.
    g.addEventListener?.(
      'pagehide',
      () => {
        this.leaving = true
        this.write()
      },
      { capture: true },
    )
    // A hidden page may be closed at any moment, and timers there wait up to a second: write
    // as it hides, while it still runs for sure (as it shows again too: harmless, and smaller).
    g.addEventListener?.('visibilitychange', () => this.write())
    g.addEventListener?.('pageshow', (event) => {
      if (event.persisted) this.leaving = false
    })
    this.opening = this.start()
  }

  async start(): Promise<void> {
    let db: IDBDatabase | undefined
    try {
      db = await openDatabase(this.name)
      await this.lease.take(db, this.leaseMs)
    } catch (error) {
      db?.close()
      return this.fail(error)
    }
    if (this.off) return db.close()
    this.db = db
    this.write()
    await this.claim()
    this.claiming = setInterval(() => void this.claim(), this.leaseMs)
  }

  /**
   * Takes the logs of dead tabs (one transaction: two tabs never take the same), drops what
   * the bounds exclude, and queues the rest in the tracker, before its own.
   */
  async claim(): Promise<void> {
    const db = this.db
    const b = this.tracker
    if (!db || !b) return
    let claimed: { key: RecordKey; record: StoredRecord }[] = []
    try {
      const locked = this.lease.locks ? await this.lease.alive(undefined) : undefined
      const tx = db.transaction(['logs', 'tabs'], 'readwrite')
      const alive = locked ?? (await this.lease.alive(tx))
      const logs = tx.objectStore('logs')
      for (const owner of await owners(logs.index('owner'))) {
        if (owner === this.lease.id || alive(owner)) continue
        const range = IDBKeyRange.only(owner)
        const [keys, records] = await Promise.all([
          done(logs.index('owner').getAllKeys(range)) as Promise<RecordKey[]>,
          done(logs.index('owner').getAll(range)) as Promise<StoredRecord[]>,
        ])
        for (let i = 0; i < keys.length; i++) claimed.push({ key: keys[i]!, record: records[i]! })
        tx.objectStore('tabs').delete(owner)
      }
      if (!claimed.length) return
      const { expired, full, kept } = bound(claimed, this.options, Date.now())
      for (const { key } of [...expired, ...full]) logs.delete(key)
      for (const { key, record } of kept) logs.put({ ...record, owner: this.lease.id }, key)
      await committed(tx)
      drop(b, expired.length, 'expired', true)
      drop(b, full.length, 'store-full', true)
      claimed = kept
    } catch (error) {
      return this.fail(error)
    }
    this.queue(b, claimed)
  }

  /** Claimed logs into the tracker, topic by topic, in front of what it queued since. */
  queue(b: StoreHost, claimed: { key: RecordKey; record: StoredRecord }[]): void {
    const field = this.options.timeField ?? STORE_DEFAULTS.timeField
    const topics = new Map<string, StoredLog[]>()
    claimed.forEach(({ record }, i) => {
      const log = { json: field ? stamp(record.json, field, record.at) : record.json, at: record.at, key: i }
      const list = topics.get(record.topic)
      if (list) list.push(log)
      else topics.set(record.topic, [log])
    })
    for (const [topic, logs] of topics) {
      let front = 0
      const left = restore(b, topic, logs, (t: Topic, entry, log) => {
        this.keys.set(entry.seq, claimed[log.key]!.key)
        t.queue.splice(front++, 0, entry)
      })
      for (const log of left) this.deletes.push(claimed[log.key]!.key)
    }
    this.schedule()
  }

  /** IndexedDB failed (quota, unavailable, blocked): memory from now on, reported once. */
  fail(error: unknown): void {
    if (this.off) return
    this.off = true
    clearInterval(this.claiming)
    const db = this.db
    this.db = undefined
    this.puts.clear()
    this.keys.clear()
    this.deletes = []
    if (db) {
      // What this tab wrote is in its memory queue now: removed, so that no later tab sends it
      // too; the lock is kept (and the logs with it) if even that fails.
      removeOwned(db, this.lease.id).then(
        () => this.lease.release(),
        () => {},
      )
    }
    if (this.tracker) report(this.tracker, fallback(error))
  }

  close(): Promise<void> {
    if (this.off) return Promise.resolve()
    this.off = true
    clearInterval(this.claiming)
    this.write()
    return (async () => {
      await this.opening
      // Still opening when closed: nothing left to write.
      this.write()
      await this.last
      this.lease.release()
      this.db?.close()
      this.db = undefined
    })()
  }
}

/** The error reported when the store turns to memory. */
const fallback = (error: unknown) =>
  new WebTrackError(
    `indexedDBStore: logs are kept in memory only from now on (not across a reload), because ${
      error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }`,
    { cause: error },
  )

/** The distinct owners of an `owner` index. */
function owners(index: IDBIndex): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const found: string[] = []
    const request = index.openKeyCursor(null, 'nextunique')
    request.onsuccess = () => {
      const cursor = request.result
      if (!cursor) return resolve(found)
      found.push(cursor.key as string)
      cursor.continue()
    }
    request.onerror = () => reject(failure(request.error))
  })
}

/** Deletes every record a tab holds. */
function removeOwned(db: IDBDatabase, owner: string): Promise<void> {
  const tx = db.transaction('logs', 'readwrite')
  const request = tx.objectStore('logs').index('owner').openKeyCursor(IDBKeyRange.only(owner))
  request.onsuccess = () => {
    const cursor = request.result
    if (!cursor) return
    tx.objectStore('logs').delete(cursor.primaryKey)
    cursor.continue()
  }
  return committed(tx).finally(() => db.close())
}

/**
 * Claimed records split by the store's bounds: those pushed more than `maxAgeMs` ago, then the
 * oldest beyond `maxStoreBytes`, then the rest, oldest first.
 */
function bound<T extends { key: RecordKey; record: StoredRecord }>(claimed: T[], options: IndexedDBStoreOptions, now: number) {
  const maxAge = options.maxAgeMs ?? STORE_DEFAULTS.maxAgeMs
  const maxBytes = options.maxStoreBytes ?? STORE_DEFAULTS.maxStoreBytes
  const expired = claimed.filter(({ record }) => now - record.at > maxAge)
  // Newest first: keep while they fit.
  const fresh = claimed.filter(({ record }) => now - record.at <= maxAge).sort((a, b) => older(b, a))
  let bytes = 0
  let cut = 0
  while (cut < fresh.length && (bytes += utf8Length(fresh[cut]!.record.json) + utf8Length(fresh[cut]!.record.topic)) <= maxBytes) cut++
  return { expired, full: fresh.slice(cut), kept: fresh.slice(0, cut).reverse() }
}

/** Push order: by time, then within one tab by number. */
function older(a: { key: RecordKey; record: StoredRecord }, b: { key: RecordKey; record: StoredRecord }): number {
  return a.key[0] === b.key[0] ? a.key[1] - b.key[1] : a.record.at - b.record.at
}

/**
 * A store that keeps a tracker's pending logs in IndexedDB (browsers, web workers), for
 * `createTracker({ ..., store: indexedDBStore() })`. `push` stays synchronous: writes are
 * batched, one transaction per animation frame or 100 ms. A log leaves the store once the
 * service accepted it, it failed for good, or it was dropped; what a page leaves (closed,
 * reloaded, crashed, beyond the keep-alive budget) is sent by the next tracker of the origin
 * on the same store name, first, in order within each topic. Tabs sharing a store never send
 * the same log: each sends its own, and a dead tab's are claimed by one other tab (Web Locks,
 * or a lease where they are missing). Where IndexedDB is unavailable, blocked or over quota,
 * the tracker keeps its logs in memory, reported once through `onError`; `push` never throws
 * for it. See docs/guide.md, "Never lose a log".
 *
 * @throws ValidationError for a bad option (checked at once), or, from `createTracker`, when
 * the store already serves a tracker.
 * @example
 * const tracker = createTracker({ project, endpoint, logstore, store: indexedDBStore() })
 */
export function indexedDBStore(options: IndexedDBStoreOptions = {}): IndexedDBQueueStore {
  const name: unknown = options.name
  if (name !== undefined && (typeof name !== 'string' || !name))
    throw new ValidationError('name', `must be a non-empty string, got ${JSON.stringify(name)}`)
  checkStoreOptions(options)
  return new IDBStore(options, checkOption('leaseMs', options.leaseMs, 10_000, 100, MAX_TIMER_MS, ' ms'))
}
