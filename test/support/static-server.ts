// A tiny static server for browser tests: fixed routes on one loopback origin, nothing else.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Content types of the files the tests serve, by extension; anything else is application/octet-stream. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.yaml': 'text/yaml; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

/** The content type to serve a file with, from its extension (`extname(path)`). */
export const contentType = (ext: string): string => CONTENT_TYPES[ext] ?? 'application/octet-stream'

export interface StaticFile {
  type: string
  body: string
  /** Response headers besides the content type; default `cache-control: no-store`. */
  headers?: Record<string, string>
  /** Called at each request; the file is served once its promise settles: the test decides when it arrives. */
  hold?: () => Promise<unknown>
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
    const serve = () => res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store', ...file.headers }).end(file.body)
    if (file.hold) void file.hold().finally(serve)
    else serve()
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
