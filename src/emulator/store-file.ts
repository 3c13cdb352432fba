// The optional NDJSON file of accepted logs. It is opened when the emulator starts, so that a
// path that cannot be written fails at start-up rather than at the first accepted log; a new
// file is created readable by its owner only (logs may hold personal data). Writes are chained
// so that lines keep the order in which requests were accepted, and `close` waits for the last.
import { open, type FileHandle } from 'node:fs/promises'
import { systemCause } from '../errors.js'
import type { EmulatorLogRecord } from './types.js'

/** The mode of a store file the emulator creates (an existing file keeps its own). */
export const STORE_FILE_MODE = 0o600

/** Appends accepted logs to a file, one JSON object per line. */
export class StoreFile {
  readonly #file: FileHandle
  #last: Promise<unknown> = Promise.resolve()

  private constructor(file: FileHandle) {
    this.#file = file
  }

  /**
   * Opens `path` for appending, creating it with mode 0o600 when missing.
   * @throws Error naming the path and the cause (`ENOENT`, `EACCES`, `EISDIR`…), with the
   * system error as `cause` and its `code`.
   */
  static async open(path: string): Promise<StoreFile> {
    try {
      return new StoreFile(await open(path, 'a', STORE_FILE_MODE))
    } catch (error) {
      const failure = new Error(`store: cannot open ${JSON.stringify(path)} for appending: ${systemCause(error)}`, { cause: error })
      throw Object.assign(failure, { code: (error as NodeJS.ErrnoException).code })
    }
  }

  /** Appends `records` in one write; resolves once written, rejects if the write failed. */
  append(records: readonly EmulatorLogRecord[]): Promise<void> {
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('')
    const write = this.#last.then(() => this.#file.appendFile(text, 'utf8'))
    this.#last = write.catch(() => undefined)
    return write
  }

  /** Waits for every write started so far, then closes the file. */
  async close(): Promise<void> {
    await this.#last
    await this.#file.close()
  }
}
