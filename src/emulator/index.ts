/**
 * A strict local stand-in for the SLS web tracking endpoint (`/logstores/{logstore}/track`,
 * the PutWebTracking operation), for tests and local development. It accepts the three
 * documented forms (POST with `x-log-*` headers and an optional lz4/deflate body, header-less
 * POST with `?APIVersion=0.6.0`, and GET with one log as query parameters), answers every
 * documented error code with the documented status, and can inject failures, lost
 * acknowledgements, delays and stalls.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'sls-webtrack/emulator'
 *
 * await using emu = await startEmulator({ logstores: ['web'] })
 * await emu.fetch(`http://my-project.localhost:${emu.port}/logstores/web/track?APIVersion=0.6.0`, {
 *   method: 'POST',
 *   headers: { 'content-type': 'text/plain' },
 *   body: JSON.stringify({ __logs__: [{ event: 'click' }] }),
 * })
 * emu.logs() // [{ project: 'my-project', logstore: 'web', log: { event: 'click', __time__: '…' }, … }]
 * ```
 *
 * Choices where the documents are silent:
 * - An unknown path is answered 404 `PostBodyInvalid`; another method on the track path 405
 *   `PostBodyInvalid` (the spec has no code for either).
 * - Invalid log keys (`InvalidKey`) are only the empty key, `__topic__`, `__source__`,
 *   `__tags__`, `__logs__`, `__partition_time__`, `__time_ns_part__`, `__namespace__` and keys
 *   starting with `__tag__:` (the spec's `Log.propertyNames`, which the client refuses too).
 * - `__time__`, when sent, must be a decimal integer string (else `InvalidTimestamp`) and is
 *   then replaced by the time of receipt.
 * - CORS answers `Access-Control-Allow-Origin: *` without credentials: any web page the
 *   browser shows can send to the emulator, so listen on loopback (the default) unless you
 *   mean to open it to the network.
 *
 * @packageDocumentation
 */
import { EmulatorServer } from './server.js'
import type { Emulator, EmulatorOptions } from './types.js'

export { createForwardFetch } from './forward-fetch.js'
export { DEFAULT_MAX_BYTES } from './server.js'
export type {
  AckLossInjection,
  DelayInjection,
  DropInjection,
  Emulator,
  EmulatorCredentials,
  EmulatorLogRecord,
  EmulatorOptions,
  EmulatorRequestRecord,
  EmulatorStats,
  FailInjection,
  FaultKind,
  Injection,
  RequestForm,
  StallInjection,
} from './types.js'

/**
 * Starts an emulator and resolves once it listens (on `127.0.0.1`, a free port, by
 * default). Every call makes an independent instance; close it with `close()` or
 * `await using`.
 *
 * Rejects with a `ValidationError` (as the client's options do) when `maxBytes`, `maxLogs`,
 * `maxRecords` or `maxConnections` is out of range, with an `Error` naming the path and the cause (its `code`, e.g. `ENOENT`)
 * when the `store` file cannot be opened for appending, and with the system error when the
 * address cannot be listened on (`EADDRINUSE`).
 */
export function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return EmulatorServer.start(options)
}
