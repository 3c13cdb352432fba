// Reading a request body with a byte limit: past the limit nothing more is buffered, so a
// client cannot make the emulator allocate more than it allows.
import type { IncomingMessage } from 'node:http'

/** The client closed the connection before the request was complete. */
export class ClientGone extends Error {
  override name = 'ClientGone'
  constructor() {
    super('the client closed the connection before the request was complete')
  }
}

/** A body read by {@link readBody}. */
export interface BodyRead {
  /** The body; empty when `overLimit`. */
  bytes: Uint8Array
  /** Bytes seen on the wire (the declared `Content-Length` when it alone was over the limit). */
  wireBytes: number
  /** Whether the body is longer than the limit. The rest of it is left unread. */
  overLimit: boolean
}

const EMPTY = new Uint8Array(0)

/**
 * Reads the whole body, or stops as soon as it is longer than `limit` bytes (at once when
 * `Content-Length` says so). Rejects with {@link ClientGone} when the client goes away.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = req.headers['content-length']
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    return Promise.resolve({ bytes: EMPTY, wireBytes: Number(declared), overLimit: true })
  }
  // Destroyed before we got to it (the client went away): its 'close' was already emitted.
  if (req.destroyed && !req.readableEnded) return Promise.reject(new ClientGone())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      total += chunk.length
      if (total > limit) {
        cleanup()
        req.pause()
        resolve({ bytes: EMPTY, wireBytes: total, overLimit: true })
      } else {
        chunks.push(chunk)
      }
    }
    const onEnd = () => {
      cleanup()
      resolve({ bytes: Buffer.concat(chunks, total), wireBytes: total, overLimit: false })
    }
    const onClose = () => {
      cleanup()
      reject(new ClientGone())
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
  })
}

/**
 * Reads and discards what is left of the body, so that the client, still sending, gets the
 * answer. Resolves `false` when more than `cap` bytes remain (the caller then closes the
 * connection) or the client went away.
 */
export function discardBody(req: IncomingMessage, cap: number): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true)
  if (req.destroyed) return Promise.resolve(false)
  return new Promise((resolve) => {
    let seen = 0
    const done = (drained: boolean) => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      resolve(drained)
    }
    const onData = (chunk: Buffer) => {
      seen += chunk.length
      if (seen > cap) done(false)
    }
    const onEnd = () => done(true)
    const onClose = () => done(req.readableEnded)
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.resume()
  })
}
