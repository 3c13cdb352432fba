// Preparing one log for a batching layer: checked, normalised and serialised once, at once,
// so that its exact size is known while it waits, for the packing rule (split.ts) to use.
import { encodeLog, type EncodedLog } from './encode.js'
import { normalizeLog, tally, type LogInput } from './normalize.js'

/** A log checked, normalised and serialised, ready to be batched. */
export interface PreparedLog extends EncodedLog {
  /** Values left out of this log. */
  readonly omitted: number
}

/**
 * Checks, normalises and serialises one log (`index` names it in errors). For batching layers:
 * the tracker, the CLI, or your own: `fitsInRequest`, the packing rule the client and the
 * tracker use, tells from `bytes` whether the log still fits the request you are filling, and
 * `sendBatch` sends the prepared logs as they are (see the example of `fitsInRequest`).
 * @throws ValidationError for a non-object log or a refused key.
 */
export function prepare(log: LogInput, index = 0): PreparedLog {
  const counts = tally()
  const { json, bytes } = encodeLog(normalizeLog(log, index, counts))
  return { json, bytes, omitted: counts.omitted }
}
