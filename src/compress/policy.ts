// When to compress. A small body gains little and costs a header plus CPU; a body that does not
// shrink (already-random data) is sent as it is.
import { reason, ValidationError } from '../errors.js'
import type { Codec } from './codec.js'

/** How the client compresses bodies. */
export interface CompressionPolicy {
  readonly codec: Codec
  /** Bodies smaller than this many raw bytes are sent uncompressed. */
  readonly minBytes?: number
  /** Send the raw body when the compressed one is not smaller. */
  readonly onlyIfSmaller?: boolean
}

/** The compression option: none, a codec (always used), or a policy. */
export type CompressionOption = 'none' | Codec | CompressionPolicy

/** Policy of `'auto'`: bodies of at least 1 KiB, and only when they shrink. */
export function auto(codec: Codec, minBytes = 1024): CompressionPolicy {
  return { codec, minBytes, onlyIfSmaller: true }
}

/** A body as it goes on the wire. */
export interface WireBody {
  readonly bytes: Uint8Array
  readonly compressType?: Codec['name'] | undefined
}

/**
 * Compresses `raw` as the option says (asynchronous codecs allowed).
 * @throws ValidationError (`path: 'compression'`, the codec's error as `cause`) when the codec throws.
 */
export async function compressBody(raw: Uint8Array, option: CompressionOption | undefined): Promise<WireBody> {
  const policy = !option || option === 'none' ? undefined : 'codec' in option ? option : { codec: option }
  if (policy && raw.length >= (policy.minBytes ?? 0)) {
    const { name } = policy.codec
    let bytes: Uint8Array
    try {
      bytes = await policy.codec.compress(raw)
    } catch (cause) {
      // A custom codec's failure reaches the caller typed, named and not retried: the same bytes
      // would fail the same way.
      throw new ValidationError('compression', `the ${name} codec failed: ${reason(cause)}`, { cause })
    }
    if (!policy.onlyIfSmaller || bytes.length < raw.length) return { bytes, compressType: name }
  }
  return { bytes: raw }
}
