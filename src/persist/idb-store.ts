// A tracker's queue in IndexedDB (browsers, workers): pushes written behind, in one
// transaction per animation frame or 100 ms, a topic's pushes of one write in one record;
// settled logs removed (a record deleted once all of its are, rewritten before); what a page leaves
// (closed, reloaded, crashed) is claimed and sent by the next tracker of the origin on the same
// store name. Tabs sharing a store each send the logs they hold, and claim those of a tab only
// once it is dead (idb.ts): no log is in two tabs' queues. Its promises and bounds:
// docs/guide.md, "Never lose a log"; the database's shape: idb.ts and README.md here.
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import { ValidationError, WebTrackError } from '../errors.js'
import { utf8Length } from '../request/encode.js'
import type { Entry, QueueStore, Topic } from '../tracker/queue.js'
import { committed, done, failure, newTabId, openDatabase, RECORD_LOGS, TabLease, type RecordKey, type StoredRecord } from './idb.js'
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
  /** The record this topic's pushes join until it is written. */
  declare rec: Rec | undefined

  override push(...entries: Entry[]): number {
    for (const entry of entries) this.store.wrote(this, entry)
    return super.push(...entries)
  }
}

type Timer = ReturnType<typeof setTimeout>

/** A record in memory: the logs of one topic this tab wrote (or claimed) together. */
interface Rec {
  readonly key: RecordKey
  readonly topic: string
  readonly at: number[]
  readonly json: string[]
  /** By index: settled, left out when the record is written. */
  readonly done: boolean[]
  /** By index: may have arrived already (`StoredRecord.maybe`). */
  readonly maybe: (boolean | undefined)[]
  /** Logs not settled. */
  left: number
  /** In the database (a delete is due once all are settled). */
  stored?: boolean
}

/** Where a log is: its record and its index there. */
type Slot = [Rec, number]

const g = globalThis as unknown as {
  document?: { visibilityState?: string }
  requestAnimationFrame?: (fn: () => void) => number
  cancelAnimationFrame?: (id: number) => void
  addEventListener?: (type: string, fn: () => void, options?: object) => void
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
  /** In the page's `pagehide`: what the tracker settles then was not sent, and is kept (see `attach`). */
  declare leaving: boolean
  /** The record and index of each queued or in-flight log, by the tracker's seq. */
  declare readonly keys: Map<number, Slot>
  /** The next record number of this tab. */
  declare n: number
  /** Records to write (put, or delete once all of theirs settled) at the next write. */
  declare dirty: Set<Rec>
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
    this.dirty = new Set()
    this.last = Promise.resolve()
  }

  open(topic: string): IDBQueue {
    const queue = new IDBQueue()
    queue.store = this
    queue.topic = topic
    return queue
  }

  /** A log was queued: it joins its topic's record of the next write. */
  wrote(queue: IDBQueue, entry: Entry): void {
    if (this.off) return
    let rec = queue.rec
    // A written record takes no more logs: growing it would rewrite it whole.
    if (!rec || rec.stored || rec.json.length >= RECORD_LOGS) queue.rec = rec = this.rec(queue.topic)
    this.keys.set(entry.seq, [rec, rec.json.length])
    rec.at.push(Date.now())
    rec.json.push(entry.json)
    rec.left++
    this.dirty.add(rec)
    this.schedule()
  }

  /** A new record of this tab, empty. */
  rec(topic: string): Rec {
    return { key: [this.lease.id, this.n++], topic, at: [], json: [], done: [], maybe: [], left: 0 }
  }

  ack(_topic: string, logs: readonly Entry[]): void {
    if (this.off) return
    for (const log of logs) {
      const slot = this.keys.get(log.seq)
      if (!slot) continue
      const [rec, i] = slot
      // A page going away settles what it cannot send (`'unload'`): kept for the next page,
      // and not sent, whatever `pagehide` assumed.
      if (this.leaving) rec.maybe[i] = false
      else {
        this.keys.delete(log.seq)
        settle(slot, this.dirty)
      }
      this.dirty.add(rec)
    }
    // Nothing runs after `pagehide` for sure: now.
    if (this.leaving) this.write()
    else this.schedule()
  }

  /** One write per animation frame (visible pages) or per 100 ms, whichever comes first. */
  schedule(): void {
    if (this.timeout !== undefined || !this.db) return
    this.timeout = setTimeout(() => this.write(), 100)
    if (g.requestAnimationFrame && g.document?.visibilityState === 'visible') {
      this.frame = g.requestAnimationFrame(() => this.write())
    }
  }

  /** Writes the changed records in one transaction, now: a put, or a delete once all settled. */
  write(): void {
    clearTimeout(this.timeout)
    if (this.frame !== undefined) g.cancelAnimationFrame?.(this.frame)
    this.timeout = this.frame = undefined
    const db = this.db
    if (!db || !this.dirty.size) return
    const dirty = this.dirty
    this.dirty = new Set()
    try {
      const tx = db.transaction('logs', 'readwrite')
      const logs = tx.objectStore('logs')
      for (const rec of dirty) this.save(logs, rec)
      this.last = committed(tx).catch((error: unknown) => this.fail(error))
      // Now, not after the requests' round trips: a page being closed may not live that long
      // (missing before Chromium 76, Firefox 74, Safari 15).
      ;(tx as { commit?: () => void }).commit?.()
    } catch (error) {
      this.fail(error)
    }
  }

  /** Puts what is left of a record, or deletes it once all of its logs are settled. */
  save(logs: IDBObjectStore, rec: Rec): void {
    if (rec.left) logs.put(stored(rec, this.lease.id), rec.key)
    else if (rec.stored) logs.delete(rec.key)
    rec.stored = true
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
    // Before the tracker's own `pagehide` listener (capture). Every log not settled may leave
    // on keep-alive now, and its answer may never come: marked as maybe sent (and written
    // now), so that the next page counts its copy as retried. What the tracker settles within
    // this event it did not send (`'unload'`): it stays for the next page, the mark taken off.
    // Answers that come later (a page kept alive, or restored from the back/forward cache)
    // settle as usual.
    g.addEventListener?.(
      'pagehide',
      () => {
        this.leaving = true
        setTimeout(() => {
          this.leaving = false
        })
        for (const [rec, i] of this.keys.values()) {
          rec.maybe[i] = true
          this.dirty.add(rec)
        }
        this.write()
      },
      { capture: true },
    )
    // A hidden page may be closed at any moment, and timers there wait up to a second: write
    // as it hides, while it still runs for sure (as it shows again too: harmless, and smaller).
    g.addEventListener?.('visibilitychange', () => this.write())
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
   * Takes the records of dead tabs (one transaction: two tabs never take the same), drops
   * what the bounds exclude, and queues the rest in the tracker, before its own.
   */
  async claim(): Promise<void> {
    const db = this.db
    const b = this.tracker
    if (!db || !b) return
    let slots: Slot[] = []
    try {
      const locked = this.lease.locks ? await this.lease.alive(undefined) : undefined
      const tx = db.transaction(['logs', 'tabs'], 'readwrite')
      const alive = locked ?? (await this.lease.alive(tx))
      const logs = tx.objectStore('logs')
      const recs: Rec[] = []
      for (const owner of await owners(logs.index('owner'))) {
        if (owner === this.lease.id || alive(owner)) continue
        const range = IDBKeyRange.only(owner)
        const [keys, records] = await Promise.all([
          done(logs.index('owner').getAllKeys(range)) as Promise<RecordKey[]>,
          done(logs.index('owner').getAll(range)) as Promise<StoredRecord[]>,
        ])
        keys.forEach((key, k) => recs.push(revive(key, records[k]!, slots)))
        tx.objectStore('tabs').delete(owner)
      }
      if (!recs.length) return
      const { expired, full, kept } = bound(slots, this.options, Date.now())
      for (const slot of [...expired, ...full]) settle(slot, new Set())
      // Now this tab's (the owner field; keys stay): what is left of each, or deleted.
      for (const rec of recs) this.save(logs, rec)
      await committed(tx)
      drop(b, expired.length, 'expired', true)
      drop(b, full.length, 'store-full', true)
      slots = kept
    } catch (error) {
      return this.fail(error)
    }
    this.queue(b, slots)
  }

  /** Claimed logs into the tracker, topic by topic, in front of what it queued since. */
  queue(b: StoreHost, slots: Slot[]): void {
    const field = this.options.timeField ?? STORE_DEFAULTS.timeField
    const topics = new Map<string, StoredLog[]>()
    slots.forEach(([rec, i], key) => {
      const at = rec.at[i]!
      const log = { json: field ? stamp(rec.json[i]!, field, at) : rec.json[i]!, at, key }
      const list = topics.get(rec.topic)
      if (list) list.push(log)
      else topics.set(rec.topic, [log])
    })
    for (const [topic, logs] of topics) {
      let front = 0
      const left = restore(b, topic, logs, (t: Topic, entry, log) => {
        const slot = slots[log.key]!
        this.keys.set(entry.seq, slot)
        // Handed to a request as its page went away: it may have arrived. Sent again, counted.
        if (slot[0].maybe[slot[1]]) b.counts.retried++
        t.queue.splice(front++, 0, entry)
      })
      for (const log of left) settle(slots[log.key]!, this.dirty)
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
    this.keys.clear()
    this.dirty.clear()
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
 * Claimed logs split by the store's bounds: those pushed more than `maxAgeMs` ago, then the
 * oldest beyond `maxStoreBytes`, then the rest, oldest first.
 */
function bound(claimed: Slot[], options: IndexedDBStoreOptions, now: number) {
  const maxAge = options.maxAgeMs ?? STORE_DEFAULTS.maxAgeMs
  const maxBytes = options.maxStoreBytes ?? STORE_DEFAULTS.maxStoreBytes
  const expired = claimed.filter(([rec, i]) => now - rec.at[i]! > maxAge)
  // Newest first: keep while they fit.
  const fresh = claimed.filter(([rec, i]) => now - rec.at[i]! <= maxAge).sort((a, b) => older(b, a))
  let bytes = 0
  let cut = 0
  for (let rec, i; cut < fresh.length; cut++) {
    ;[rec, i] = fresh[cut]!
    if ((bytes += utf8Length(rec.json[i]!) + utf8Length(rec.topic)) > maxBytes) break
  }
  return { expired, full: fresh.slice(cut), kept: fresh.slice(0, cut).reverse() }
}

/** Push order: by time, then within one tab by record and place in it. */
function older([a, i]: Slot, [b, j]: Slot): number {
  return a.key[0] === b.key[0] ? a.key[1] - b.key[1] || i - j : a.at[i]! - b.at[j]!
}

/**
 * A dead tab's record in memory, its logs added to `slots` (a version 1 record holds one log,
 * its `at` and `json` not arrays).
 */
function revive(key: RecordKey, record: StoredRecord, slots: Slot[]): Rec {
  const json = ([] as string[]).concat(record.json)
  const rec = {
    key,
    topic: record.topic,
    at: ([] as number[]).concat(record.at),
    json,
    done: [],
    maybe: record.maybe ?? [],
    left: json.length,
    stored: true,
  }
  json.forEach((_, i) => slots.push([rec, i]))
  return rec
}

/** A record as IndexedDB holds it: its logs not settled yet. */
function stored(rec: Rec, owner: string): StoredRecord {
  // By index, not `filter` on each: `maybe` has holes, which `filter` skips.
  const left = [...rec.json.keys()].filter((i) => !rec.done[i])
  return {
    owner,
    topic: rec.topic,
    at: left.map((i) => rec.at[i]!),
    json: left.map((i) => rec.json[i]!),
    maybe: left.map((i) => rec.maybe[i]),
  }
}

/** A log settled: left out of its record from the next write. */
function settle([rec, i]: Slot, dirty: Set<Rec>): void {
  rec.done[i] = true
  rec.left--
  dirty.add(rec)
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
