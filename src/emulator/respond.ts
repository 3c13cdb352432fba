// Writing an answer: 200 with an empty body, or an error status with the JSON error body.
// The request id and CORS headers are already set on the response by the server.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorBody } from './rejection.js'
import { discardBody } from './read-body.js'

/** What the emulator answers: success, or an error status with its body. */
export type Answer = { status: 200 } | { status: number; body: ErrorBody; headers?: Record<string, string> }

/** At most this much of an unread body is discarded before answering; past it, the connection is closed. */
const DISCARD_CAP = 64 * 1024 * 1024

/**
 * Sends `answer`, first discarding any unread rest of the body so that a client still
 * sending it receives the answer rather than a reset.
 */
export async function sendAnswer(req: IncomingMessage, res: ServerResponse, answer: Answer): Promise<void> {
  const drained = await discardBody(req, DISCARD_CAP)
  if (res.destroyed || res.headersSent) return
  if (!drained) res.setHeader('connection', 'close')
  if (!('body' in answer)) {
    res.writeHead(200, { 'content-length': '0' })
  } else {
    const text = JSON.stringify(answer.body)
    res.writeHead(answer.status, {
      ...answer.headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    })
    res.write(text)
  }
  res.end(() => {
    if (!drained) req.socket.destroy()
  })
}
