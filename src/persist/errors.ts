// The journal's errors, in the package's one hierarchy (a `WebTrackError`). They live in the
// persist entry so that the other entries do not carry them. `isWebTrackError` knows an error of
// another realm by its name, and its list does not hold this one yet: the journal runs in
// Node, Bun and Deno only, where `instanceof` holds within the process.
import { WebTrackError } from '../errors.js'

/** Why a journal file could not be used. */
export type JournalErrorCode = 'locked' | 'corrupt' | 'io'

/** A journal file is in use by another process, damaged, or could not be read or written. */
export class JournalError extends WebTrackError {
  declare name: 'JournalError'
  declare readonly code: JournalErrorCode
  /** The journal file. */
  declare readonly path: string
  /** `locked`: the process that holds the file. */
  declare readonly pid: number | undefined
  /** `corrupt`: where the first damaged record starts; nothing from there on was loaded. */
  declare readonly offset: number | undefined
  constructor(init: { code: JournalErrorCode; path: string; message: string; pid?: number; offset?: number; cause?: unknown }) {
    super(init.message, { cause: init.cause })
    this.name = 'JournalError'
    Object.assign(this, { code: init.code, path: init.path, pid: init.pid, offset: init.offset })
  }
}
