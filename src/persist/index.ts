/**
 * `sls-webtrack/persist`: stores that keep a tracker's pending logs beyond its process, for
 * `createTracker({ ..., store })`. Node, Bun and Deno: `fileStore`, on an append-only journal
 * file. See docs/guide.md, "Never lose a log".
 * @packageDocumentation
 */
export { fileStore, FILE_STORE_DEFAULTS, type FileQueueStore, type FileStoreOptions } from './file-store.js'
export { JournalError, type JournalErrorCode } from './errors.js'
export type { FileJournal, FileJournalOptions } from './file-journal.js'
