// IndexedDB for the browser store: the database's shape, requests as promises, and which tabs
// are alive. Nothing here knows the tracker.
//
// One database per store name, `sls-webtrack:<name>`, version 2:
//   `logs`  key [owner tab, n] (n counts up in the tab that wrote the record), value StoredRecord:
//           the logs of one topic written together (at most RECORD_LOGS), those settled since
//           left out; index `owner` on the tab that holds them now (a claiming tab rewrites
//           them as its own). Version 1 held one log per record (`at` and `json` not arrays):
//           read as a record of one; version 1 code cannot open version 2 (it falls back to memory).
//   `tabs`  key id, value { id, until }: the lease of a tab, where Web Locks are missing.
// A tab is alive while it holds the Web Lock `sls-webtrack:<name>:<id>` (the browser frees it
// the moment the tab dies), or, without Web Locks, while its lease has not run out.

/** The logs of one topic, written together, as the `logs` object store holds them. */
export interface StoredRecord {
  /** The tab that holds them: wrote them, or claimed them from a dead tab. */
  owner: string
  topic: string
  /** When each was pushed, ms since the epoch. */
  at: number[]
  /** Each log's JSON text, as the tracker made it. */
  json: string[]
  /** By index: handed to a request as its page went away, so it may have arrived already. */
  maybe?: (boolean | undefined)[]
}

/**
 * Most logs in one record: a record is rewritten whole when some of its logs settle, so this
 * bounds that cost, while one `put` per few hundred logs (not per log) is what keeps the
 * store's main-thread cost near the memory store's.
 */
export const RECORD_LOGS = 256

/** A record's key: the tab that pushed it and its number there. */
export type RecordKey = [string, number]

/** Web Locks, as far as the store uses them. */
interface Locks {
  request(name: string, callback: () => Promise<void>): Promise<void>
  query(): Promise<{ held?: { name?: string }[] }>
}

const g = globalThis as unknown as {
  indexedDB?: IDBFactory
  navigator?: { locks?: Locks }
}

/** A request's result, or its error. */
export const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(failure(request.error))
  })

/** An IndexedDB error as an Error (a `DOMException` is one; its absence is not). */
export const failure = (error: DOMException | null): Error => error ?? new Error('IndexedDB request failed')

/** Resolves when a transaction commits; rejects with its error when it aborts. */
export const committed = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('transaction aborted'))
  })

/**
 * Opens (and on first use creates) the database of a store name. Rejects when IndexedDB is
 * missing, refused (some private modes), or `blocked` (an older version held open elsewhere).
 */
export function openDatabase(name: string): Promise<IDBDatabase> {
  const factory = g.indexedDB
  if (!factory) return Promise.reject(new Error('IndexedDB is not available here'))
  return new Promise((resolve, reject) => {
    const request = factory.open(`sls-webtrack:${name}`, 2)
    request.onupgradeneeded = (event) => {
      // From version 1 the stores stay: its records read as records of one log.
      if (event.oldVersion) return
      const db = request.result
      db.createObjectStore('logs').createIndex('owner', 'owner')
      db.createObjectStore('tabs', { keyPath: 'id' })
    }
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab holding an older version open'))
    request.onsuccess = () => {
      const db = request.result
      // Another tab upgrading later: give way rather than block it.
      db.onversionchange = () => db.close()
      resolve(db)
    }
    request.onerror = () => reject(request.error ?? new Error('IndexedDB refused to open'))
  })
}

/**
 * A tab's hold on life in a store: its Web Lock where Web Locks exist (held until `release`
 * or the tab's death), otherwise a lease row renewed every third of `leaseMs`.
 */
export class TabLease {
  declare readonly id: string
  declare readonly lockName: string
  declare readonly locks: Locks | undefined
  declare release: () => void
  declare renewing: ReturnType<typeof setInterval> | undefined

  constructor(name: string, id: string) {
    this.id = id
    this.lockName = `sls-webtrack:${name}:${id}`
    this.locks = g.navigator?.locks
    this.release = () => {}
  }

  /** Takes the lock, or writes the first lease; resolves once held. */
  async take(db: IDBDatabase, leaseMs: number): Promise<void> {
    const locks = this.locks
    if (locks) {
      await new Promise<void>((held) => {
        void locks.request(this.lockName, () => {
          held()
          return new Promise<void>((release) => {
            this.release = release
          })
        })
      })
      return
    }
    const renew = () => {
      const tx = db.transaction('tabs', 'readwrite')
      tx.objectStore('tabs').put({ id: this.id, until: Date.now() + leaseMs })
      return committed(tx)
    }
    await renew()
    this.renewing = setInterval(() => void renew().catch(() => {}), leaseMs / 3)
    this.release = () => {
      clearInterval(this.renewing)
      const tx = db.transaction('tabs', 'readwrite')
      tx.objectStore('tabs').delete(this.id)
    }
  }

  /**
   * Which tabs are alive, as a test for an owner id: the holders of our locks, read now (Web
   * Locks), or the unexpired leases, read inside `tx` (which must include `tabs`).
   */
  async alive(tx: IDBTransaction | undefined): Promise<(id: string) => boolean> {
    if (this.locks) {
      const { held = [] } = await this.locks.query()
      const prefix = this.lockName.slice(0, this.lockName.length - this.id.length)
      const ids = new Set(held.map((lock) => lock.name?.startsWith(prefix) && lock.name.slice(prefix.length)))
      return (id) => ids.has(id)
    }
    const rows = await done(tx!.objectStore('tabs').getAll() as IDBRequest<{ id: string; until: number }[]>)
    const now = Date.now()
    const ids = new Set(rows.filter((row) => row.until > now).map((row) => row.id))
    return (id) => ids.has(id)
  }
}

/** A new tab's id: random, never reused. */
export function newTabId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  return c?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}
