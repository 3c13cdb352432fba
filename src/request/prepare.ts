// Preparing one log for a batching layer: checked, normalised and serialised once, at once,
// so that its exact size is known while it waits.
import { encodeLog, type EncodedLog } from './encode.js'
import { normalizeLog, tally, type LogInput } from './normalize.js'

/** A log checked, normalised and serialised, ready to be batched. */
export interface PreparedLog extends EncodedLog {
  /** Values left out of this log. */
  readonly omitted: number
}

/**
 * Checks, normalises and serialises one log (`index` names it in errors). For batching layers:
 * the tracker, the CLI, or your own, with `sendBatch`.
 * @throws ValidationError for a non-object log or a refused key.
 */
export function prepare(log: LogInput, index = 0): PreparedLog {
  const counts = tally()
  const { json, bytes } = encodeLog(normalizeLog(log, index, counts))
  return { json, bytes, omitted: counts.omitted }
}
