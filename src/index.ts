/**
 * `sls-webtrack`: a typed, compressing, retrying client for Alibaba Cloud Log Service web
 * tracking (PutWebTracking), with codecs selectable by name.
 * @packageDocumentation
 */
import { createClient as createCoreClient, type Client } from './client.js'
import type { ClientOptions as CoreClientOptions } from './request/connection.js'
import { resolveCompression, type CompressionName } from './compress/names.js'
import type { CompressionOption } from './compress/policy.js'
import { createTracker as createCoreTracker, type Tracker, type TrackerOptions as CoreTrackerOptions } from './tracker/index.js'

export * from './core.js'
export { lz4, lz4Block } from './compress/lz4.js'
export { deflate, hasNativeDeflate } from './compress/deflate-native.js'
export { deflateOnDemand as deflatePortable } from './compress/names.js'
export type { CompressionName } from './compress/names.js'

/** Options of `createClient` in the main entry: `compression` also takes a codec's name. */
export interface ClientOptions extends Omit<CoreClientOptions, 'compression'> {
  /** `'auto'` (default: LZ4 for bodies ≥ 1 KiB that shrink), `'lz4'`, `'deflate'`, `'none'`, or a codec or policy. */
  compression?: CompressionName | CompressionOption
}

/**
 * Creates a web-tracking client.
 * @example
 * const client = createClient({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 * await client.send([{ event: 'click' }], { topic: 'ui' })
 */
export function createClient(options: ClientOptions): Client {
  return createCoreClient({ ...options, compression: resolveCompression(options.compression) })
}

/** Options of `createTracker` in the main entry: `compression` also takes a codec's name. */
export interface TrackerOptions extends Omit<CoreTrackerOptions, 'compression'> {
  /** `'auto'` (default: LZ4 for bodies ≥ 1 KiB that shrink), `'lz4'`, `'deflate'`, `'none'`, or a codec or policy. */
  compression?: CompressionName | CompressionOption
}

/**
 * Creates a batching tracker: push logs and forget them; see the core `createTracker` for the
 * defaults and guarantees.
 * @example
 * const tracker = createTracker({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 * tracker.push({ event: 'click', target: 'buy' })
 * await tracker.flush()
 */
export function createTracker(options: TrackerOptions): Tracker {
  return createCoreTracker({ ...options, compression: resolveCompression(options.compression) })
}
