// The optional NDJSON file of accepted logs. Writes are chained so that lines keep the order
// in which requests were accepted, and `flush` waits for the last one.
import { appendFile } from 'node:fs/promises'
import type { EmulatorLogRecord } from './types.js'

/** Appends accepted logs to a file, one JSON object per line. */
export class StoreFile {
  readonly #path: string
  #last: Promise<unknown> = Promise.resolve()

  constructor(path: string) {
    this.#path = path
  }

  /** Appends `records` in one write; resolves once written, rejects if the write failed. */
  append(records: readonly EmulatorLogRecord[]): Promise<void> {
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('')
    const write = this.#last.then(() => appendFile(this.#path, text, 'utf8'))
    this.#last = write.catch(() => undefined)
    return write
  }

  /** Resolves when every write started so far has finished. */
  flush(): Promise<void> {
    return this.#last.then(() => undefined)
  }
}
