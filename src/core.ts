/**
 * `sls-webtrack/core`: the client without any codec, for the smallest bundles. Pass a codec
 * from `sls-webtrack/lz4` or `sls-webtrack/deflate` as `compression` to compress.
 * @packageDocumentation
 */
export { createClient, sendBatch } from './client.js'
export type { Client, SendOptions, SendResult } from './client.js'
export { target } from './request/connection.js'
export type { ClientOptions, Connection, Target, TargetOptions } from './request/connection.js'
export { prepare } from './request/prepare.js'
export type { PreparedLog } from './request/prepare.js'
export { fitsInRequest, requestBodies } from './request/split.js'
export type { Limits } from './request/split.js'
export { trackUrl } from './request/track-url.js'
export type { PostOptions } from './transport/post.js'
export { auto } from './compress/policy.js'
export type { CompressionOption, CompressionPolicy } from './compress/policy.js'
export type { Codec } from './compress/codec.js'
export { WebTrackError, ValidationError, ServiceError, NetworkError, TimeoutError, SendError, isWebTrackError } from './errors.js'
export type { ServiceErrorCode } from './errors.js'
export type { ErrorCode } from '../generated/spec.js'
export { ERROR_CODES } from '../generated/spec.js'
export type { Envelope, EncodedLog } from './request/encode.js'
export type { Log, LogInput } from './request/normalize.js'
export type { RetryInfo, RetryOption, RetryPolicy } from './transport/retry.js'
export { DEFAULT_RETRY, isRetryableStatus } from './transport/retry.js'
export { createTracker, DEFAULT_MAX_QUEUE_BYTES, LOG_OVERHEAD_BYTES, TOPIC_OVERHEAD_BYTES, TRACKER_DEFAULTS } from './tracker/index.js'
export type {
  DropReason,
  Entry,
  FlushOptions,
  FlushSyncOptions,
  PushOptions,
  QueueStore,
  SentInfo,
  TopicQueue,
  Tracker,
  TrackerOptions,
  TrackerStats,
} from './tracker/index.js'
