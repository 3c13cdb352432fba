/**
 * `sls-webtrack/winston`: a winston transport on the tracker (winston-transport, its base
 * class, is an optional peer dependency; winston brings it).
 *
 * @example
 * ```ts
 * import winston from 'winston'
 * import { SlsTransport } from 'sls-webtrack/winston'
 *
 * const logger = winston.createLogger({
 *   transports: [new SlsTransport({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'app' })],
 * })
 * logger.child({ requestId: 'r-1' }).info('signed in', { userId: 7 })
 * ```
 * @packageDocumentation
 */
export { SlsTransport, toLog } from './transport.js'
export type { SlsTransportOptions, TransportFormat } from './transport.js'
