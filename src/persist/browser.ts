// The browser build of `sls-webtrack/persist` (the `browser` export condition): the same
// names as index.ts, without node:fs. `fileStore` is there so that code shared by a page and
// a server bundles for both; in a page it throws.
import { ValidationError } from '../errors.js'
import type { FileQueueStore, FileStoreOptions } from './file-store.js'

export { indexedDBStore, type IndexedDBQueueStore, type IndexedDBStoreOptions } from './idb-store.js'
export { STORE_DEFAULTS, STORE_DEFAULTS as FILE_STORE_DEFAULTS } from './restore.js'
export { JournalError, type JournalErrorCode } from './errors.js'
export type { FileQueueStore, FileStoreOptions } from './file-store.js'
export type { FileJournal, FileJournalOptions } from './file-journal.js'

/** In a browser build: throws, as there is no file system; use `indexedDBStore`. */
export function fileStore(options: FileStoreOptions): FileQueueStore {
  throw new ValidationError(
    'store',
    `fileStore needs node:fs (Node, Bun, Deno), which a browser has not (path ${JSON.stringify(options.path)}): use indexedDBStore`,
  )
}
