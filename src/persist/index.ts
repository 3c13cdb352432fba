/**
 * `sls-webtrack/persist`: stores that keep a tracker's pending logs beyond its process or
 * page, for `createTracker({ ..., store })`. Browsers and workers: `indexedDBStore`. Node, Bun
 * and Deno: `fileStore`, on an append-only journal file. Bundlers that honour the `browser`
 * condition get a build without `node:fs`, whose `fileStore` throws. See docs/guide.md,
 * "Never lose a log".
 * @packageDocumentation
 */
export { fileStore, type FileQueueStore, type FileStoreOptions } from './file-store.js'
export { indexedDBStore, type IndexedDBQueueStore, type IndexedDBStoreOptions } from './idb-store.js'
export { STORE_DEFAULTS, STORE_DEFAULTS as FILE_STORE_DEFAULTS } from './restore.js'
export { JournalError, type JournalErrorCode } from './errors.js'
export type { FileJournal, FileJournalOptions } from './file-journal.js'
