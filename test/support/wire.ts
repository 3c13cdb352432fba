// What went on the wire: a WHATWG fetch that records each request exactly as the client built
// it (URL, headers, body bytes) and answers with a scripted response.
import { spawnSync } from 'node:child_process'

export interface WireRequest {
  url: URL
  method: string
  headers: Headers
  body: Uint8Array
  keepalive: boolean
}

export type Responder = (req: WireRequest, index: number) => Response | Promise<Response> | Error

export function ok(requestId = 'RID') {
  return new Response(null, { status: 200, headers: { 'x-log-requestid': requestId, 'content-length': '0' } })
}

export function fail(status: number, errorCode: string, extra: Record<string, string> = {}) {
  return new Response(JSON.stringify({ errorCode, errorMessage: `${errorCode} message` }), {
    status,
    headers: { 'content-type': 'application/json', 'x-log-requestid': `E${status}`, ...extra },
  })
}

/** The request as it would go on the wire (its body read from a clone, so `request` stays usable). */
export async function toWire(request: Request): Promise<WireRequest> {
  return {
    url: new URL(request.url),
    method: request.method,
    headers: request.headers,
    body: new Uint8Array(await request.clone().arrayBuffer()),
    keepalive: request.keepalive,
  }
}

export function recordingFetch(responder: Responder = (_r, i) => ok(`RID${i}`)) {
  const requests: WireRequest[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const wire = await toWire(new Request(input, init))
    requests.push(wire)
    const answer = await responder(wire, requests.length - 1)
    if (answer instanceof Error) throw answer
    return answer
  }
  return { fetch: fetch, requests }
}

/** Decodes raw LZ4 blocks with Debian's python3-lz4, an independent decoder, in one process. */
export function pythonLz4Decode(blocks: { data: Uint8Array; size: number }[]): Buffer[] {
  const script = `
import sys, lz4.block, json, base64
items = json.load(sys.stdin)
out = [base64.b64encode(lz4.block.decompress(base64.b64decode(d), uncompressed_size=n)).decode() for d, n in items]
json.dump(out, sys.stdout)`
  const input = JSON.stringify(blocks.map((b) => [Buffer.from(b.data).toString('base64'), b.size]))
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`python3-lz4 failed: ${r.stderr}`)
  return (JSON.parse(r.stdout) as string[]).map((s) => Buffer.from(s, 'base64'))
}

/** True when Debian's python3-lz4 is importable. */
export function hasPythonLz4(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import lz4.block']).status === 0
}
