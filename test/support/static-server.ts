// A tiny static server for browser tests: fixed routes on one loopback origin, nothing else.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StaticFile {
  type: string
  body: string
}

export interface StaticServer {
  /** `http://127.0.0.1:{port}`. */
  readonly origin: string
  /** Paths requested so far, in order. */
  readonly hits: string[]
  close(): Promise<void>
}

/** Serves `routes` (path → file) on 127.0.0.1 and a free port; anything else is a 404. */
export async function serveStatic(routes: Record<string, StaticFile>): Promise<StaticServer> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.push(path)
    const file = routes[path]
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
