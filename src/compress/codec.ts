/**
 * A body codec. `name` is the value of `x-log-compresstype`. Codecs are plain objects passed
 * to the client, so that a bundle only contains the codecs it names (tree-shaking).
 */
export interface Codec {
  readonly name: 'lz4' | 'deflate'
  /**
   * Compresses a whole body; may be asynchronous (native streams). What it throws reaches the
   * caller as a `ValidationError` (`path: 'compression'`) with the codec's name and the error as
   * `cause`; it is not retried.
   */
  compress(raw: Uint8Array): Uint8Array | Promise<Uint8Array>
  /**
   * Throws a `ValidationError` when this runtime cannot run the codec; called when a client or
   * tracker is created, so that a codec that cannot work fails at start-up, not at the first send.
   */
  check?(): void
}
