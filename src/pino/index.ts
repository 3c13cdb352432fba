/**
 * `sls-webtrack/pino`: a pino transport (pino is an optional peer dependency; nothing of it is
 * imported). It runs in pino's worker thread; each line becomes a log sent through a tracker.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 *
 * const transport = pino.transport({
 *   target: 'sls-webtrack/pino',
 *   options: { project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'app' },
 * })
 * const logger = pino(transport)
 * logger.child({ requestId: 'r-1' }).info({ userId: 7 }, 'signed in')
 * ```
 * @packageDocumentation
 */
import { createTransport, type PinoTransportOptions, type PinoTransportStream } from './transport.js'

export { createTransport, PINO_LEVELS, toLog } from './transport.js'
export type { PinoTransportOptions, PinoTransportStream } from './transport.js'

/** What pino's worker calls with `options` of `pino.transport`: `createTransport`. */
export default function pinoTransport(options: PinoTransportOptions): PinoTransportStream {
  return createTransport(options)
}
