#!/usr/bin/env node
// Compiles a consumer of the packed tarball, as a user gets it, with TypeScript's default
// `skipLibCheck: false` and `strict`, under moduleResolution node16, bundler and node10, each
// from an ES module and from a CommonJS one. Our own typecheck reads the sources with
// skipLibCheck, so it cannot see a bundled declaration that names something it no longer
// imports (TS2304 in dist/*.d.ts); this can.
//
// Usage: node scripts/check-consumer.mjs [--build]
//   without --build: packs the repository as it is (after `npm run build`, as check:package does).
//   --build: first builds into a temporary copy of the package, leaving dist/ alone (the tests
//   use this: test/package.test.ts rebuilds dist/ at the same time).
//
// The tarball is installed with `npm install --offline`, without the network. npm would fetch
// the full packuments of the package's dependencies to resolve them, and `npm ci` caches only
// the abbreviated ones (ENOTCACHED), so the dependencies (exact pins) are linked first from
// this repository's node_modules; npm checks that they satisfy the tarball's pins and only
// unpacks the tarball. @types/node is the consumer's own (the emulator is for Node).
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

/** The compiles: moduleResolution × the consumer's module format. */
const variants = [
  { name: 'node16 ESM', type: 'module', module: 'node16', moduleResolution: 'node16' },
  { name: 'node16 CJS', type: 'commonjs', module: 'node16', moduleResolution: 'node16' },
  { name: 'bundler ESM', type: 'module', module: 'esnext', moduleResolution: 'bundler' },
  // `preserve` keeps `import x = require()`, which a bundler resolves with the `require` condition.
  { name: 'bundler CJS', type: 'commonjs', module: 'preserve', moduleResolution: 'bundler' },
  { name: 'node10 ESM', type: 'module', module: 'commonjs', moduleResolution: 'node10' },
  { name: 'node10 CJS', type: 'commonjs', module: 'commonjs', moduleResolution: 'node10' },
  // A page's code: the DOM library and no @types/node (nothing of Node may leak into the
  // browser-facing declarations), without the Node entries (emulator, persist, pino, winston).
  { name: 'browser ESM', type: 'module', module: 'esnext', moduleResolution: 'bundler', browser: true },
]

// What each entry exports and the consumer uses, as [entry, values, types].
const imports = [
  [
    'sls-webtrack',
    ['createClient', 'createTracker', 'isWebTrackError', 'ServiceError', 'SendError'],
    ['SendResult', 'Tracker', 'TrackerStats', 'WebTrackError', 'CompressionName'],
  ],
  ['sls-webtrack/core', ['createClient as createCoreClient', 'auto'], ['Client', 'Codec', 'ClientOptions']],
  ['sls-webtrack/lz4', ['lz4', 'lz4Block'], []],
  ['sls-webtrack/deflate', ['deflate', 'deflatePortable', 'hasNativeDeflate'], []],
  ['sls-webtrack/emulator', ['startEmulator'], ['Emulator', 'EmulatorLogRecord', 'EmulatorRequestRecord']],
  [
    'sls-webtrack/sign',
    // Named as the main entry's: aliased, as an application importing both would.
    [
      'createClient as createSignedClient',
      'createTracker as createSignedTracker',
      'CredentialsError',
      'signRequest',
      'contentMd5',
      'stringToSign',
    ],
    [
      'ClientOptions as SignedClientOptions',
      'TrackerOptions as SignedTrackerOptions',
      'SignOptions',
      'CredentialsProvider',
      'TemporaryCredentials',
      'SignCredentials',
      'SignInput',
      'SignedHeaders',
    ],
  ],
  ['sls-webtrack/persist', ['fileStore', 'JournalError'], ['FileQueueStore', 'FileStoreOptions']],
  ['sls-webtrack/otel', ['createExporter', 'toLog'], ['SlsLogRecordExporter', 'ExporterOptions', 'LogMapping', 'ExportResult']],
  ['sls-webtrack/offline', ['withOffline'], ['OfflineOptions']],
  ['sls-webtrack/context', ['withContext'], ['ContextTracker', 'ContextOptions', 'SessionOptions']],
  ['sls-webtrack/consent', ['withConsent'], ['ConsentTracker', 'ConsentOptions', 'ConsentStats', 'TrackingConsent']],
  ['sls-webtrack/mini', ['miniFetch'], ['MiniRequest', 'MiniFetchOptions', 'MiniRequestOptions']],
  ['sls-webtrack/capture', ['startCapture', 'CAPTURE_DEFAULTS'], ['Capture', 'CaptureOptions', 'CaptureStats', 'ConsoleLevel']],
  ['sls-webtrack/pino', ['createTransport', 'PINO_LEVELS'], ['PinoTransportOptions', 'PinoTransportStream']],
  ['sls-webtrack/winston', ['SlsTransport'], ['SlsTransportOptions']],
]

// ES modules import by name; CommonJS consumers `import x = require()` and alias the members
// (types by `type`: an import alias cannot name a type-only export), so that one body serves both.
function header(esm, browser = false) {
  return imports
    .filter(([entry]) => !(browser && ['/emulator', '/persist', '/pino', '/winston'].some((node) => entry.endsWith(node))))
    .map(([entry, values, types], i) => {
      if (esm) return `import { ${[...values, ...types.map((t) => `type ${t}`)].join(', ')} } from '${entry}'`
      const ns = `entry${i}`
      const alias = (spec) => {
        const [member, , local = member] = spec.split(' ')
        return `import ${local} = ${ns}.${member}`
      }
      const typeAlias = (spec) => {
        const [member, , local = member] = spec.split(' ')
        return `type ${local} = ${ns}.${member}`
      }
      return [`import ${ns} = require('${entry}')`, ...values.map(alias), ...types.map(typeAlias)].join('\n')
    })
    .join('\n')
}

// Uses the main functions and types of every entry. The @ts-expect-error lines fail the compile
// when a type has decayed to `any`.
const body = `
export async function main(): Promise<number> {
  const emu: Emulator = await startEmulator({ logstores: ['web'] })
  try {
    const compression: CompressionName = 'lz4'
    const client = createClient({ project: 'my-project', endpoint: emu.endpoint, logstore: 'web', fetch: emu.fetch, compression })
    const result: SendResult = await client.send([{ event: 'click', n: 1 }], { topic: 'ui' })
    const counts: number[] = [result.logs, result.requests, result.retries, result.rawBytes, result.wireBytes, result.omitted]
    const ids: string[] = result.requestIds
    // @ts-expect-error: not a compression name
    createClient({ project: 'my-project', endpoint: emu.endpoint, compression: 'zstd' })

    const options: ClientOptions = { project: 'my-project', endpoint: emu.endpoint, fetch: emu.fetch, compression: auto(lz4, 512) }
    const core: Client = createCoreClient(options)
    const codecs: Codec[] = hasNativeDeflate ? [lz4, deflate] : [lz4, deflatePortable]
    const block: Uint8Array = lz4Block(new Uint8Array(64))
    // The generated openapi-fetch client, typed by the spec's paths.
    const single = await core.http.GET('/logstores/{logstore}/track', {
      params: { path: { logstore: 'web' }, query: { APIVersion: '0.6.0', __topic__: 'ui' } },
    })
    const status: number = single.response.status
    // @ts-expect-error: no such path in the spec
    await core.http.GET('/logstores/{logstore}/nope', { params: { path: { logstore: 'web' } } })

    try {
      await core.send({ event: 'click' }, { logstore: 'Not_Valid' })
    } catch (error) {
      if (error instanceof SendError) ids.push(...error.requestIds)
      if (error instanceof ServiceError) ids.push(error.errorCode, String(error.status))
      if (isWebTrackError(error)) {
        const known: WebTrackError = error
        counts.push(known.retryable ? 1 : 0)
      }
    }

    const storeOptions: FileStoreOptions = { path: 'consumer.journal', maxAgeMs: 86_400_000, timeField: false }
    const store: FileQueueStore = fileStore(storeOptions)
    const tracker: Tracker = createTracker({
      project: 'my-project',
      endpoint: emu.endpoint,
      logstore: 'web',
      fetch: emu.fetch,
      store,
      flushOnExit: false,
      onError: (error, logs) => counts.push(logs.length, error.retryable ? 1 : 0),
      onDrop: (count, reason) => ids.push(\`\${count} \${reason}\`),
    })
    tracker.push({ event: 'view' }, { topic: 'ui' })
    // A mini-program's request function: the platform's contract, typed by the mini entry.
    const request: MiniRequest = (o: MiniRequestOptions) => o.fail({ errMsg: 'request:fail offline' })
    const miniOptions: MiniFetchOptions = { dialect: 'alipay', timeoutMs: 5000 }
    const mini: Client = createCoreClient({ ...options, fetch: miniFetch(request, miniOptions) })
    // @ts-expect-error: not a dialect
    miniFetch(request, { dialect: 'swan' })
    const flushed: boolean = await tracker.flush({ timeoutMs: 1000 })
    const stats: TrackerStats = tracker.stats()
    await tracker.close()
    await store.flush()
    try {
      fileStore({ path: '' })
    } catch (error) {
      if (error instanceof JournalError) ids.push(error.code)
    }

    const logs: EmulatorLogRecord[] = emu.logs()
    const requests: EmulatorRequestRecord[] = emu.requests()
    emu.inject({ fail: 1, status: 500, errorCode: 'InternalServerError' })
    return mini.limits.maxLogs + counts.length + ids.length + codecs.length + block.length + status + stats.sent + logs.length + requests.length + Number(flushed)
  } finally {
    await emu.close()
  }
}
`

// A browser consumer: the same calls without the emulator. `await using` needs the tracker's
// AsyncDisposable from the declarations themselves (their `/// <reference lib>`), as the page's
// tsconfig names only ES2022 and the DOM.
const browserBody = `
export async function main(): Promise<number> {
  const compression: CompressionName = 'deflate'
  const client = createClient({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web', compression })
  const result: SendResult = await client.send([{ event: 'click' }], { topic: 'ui' })
  const core: Client = createCoreClient({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', compression: auto(lz4, 512) })
  const codecs: Codec[] = [lz4, hasNativeDeflate ? deflate : deflatePortable]
  const block: Uint8Array = lz4Block(new Uint8Array(64))
  try {
    await core.send({ event: 'click' }, { logstore: 'web' })
  } catch (error) {
    if (error instanceof SendError || error instanceof ServiceError) return -1
    if (isWebTrackError(error)) return (error satisfies WebTrackError).retryable ? 1 : 0
  }
  const options: ClientOptions = { project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com' }
  const tracker: Tracker = createTracker({ ...options, logstore: 'web' })
  tracker.push({ event: 'view' })
  const stats: TrackerStats = tracker.stats()
  await tracker[Symbol.asyncDispose]()
  // Signed writes, context and consent, as a page uses them.
  const credentials: CredentialsProvider = async () => ({ accessKeyId: 'id', accessKeySecret: 's', securityToken: 't', expiration: Date.now() + 3_600_000 })
  const signedOptions: SignedTrackerOptions = { ...options, logstore: 'web', credentials }
  const page = withContext(withConsent(createSignedTracker(signedOptions)), { session: { storage: localStorage } })
  page.setContext('release', '1.0.0')
  page.setTrackingConsent('granted')
  const signed = createSignedClient({ ...options, logstore: 'web', credentials: { accessKeyId: 'id', accessKeySecret: 's' } })
  await page.close()
  return result.logs + codecs.length + block.length + stats.sent + page.stats().held + signed.limits.maxLogs
}
`

// Node consumers without the DOM library (as @tsconfig/node20), bundler consumers with it; all
// with @types/node, which the emulator needs. TypeScript's own lib files are not checked
// (skipDefaultLibCheck): they are the same for every package, and checking them only costs time.
const compilerOptions = (v) => ({
  target: 'ES2022',
  lib: v.browser || v.moduleResolution === 'bundler' ? ['ES2022', 'DOM', 'DOM.Iterable'] : ['ES2022'],
  module: v.module,
  moduleResolution: v.moduleResolution,
  strict: true,
  skipLibCheck: false,
  skipDefaultLibCheck: true,
  types: v.browser ? [] : ['node'],
  noEmit: true,
})

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}${r.error ?? ''}`)
  return r.stdout
}

const linkFromRepo = (dir, name) => {
  mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true })
  symlinkSync(realpathSync(join(root, 'node_modules', name)), join(dir, 'node_modules', name))
}

/** A directory holding the package to pack: the repository, or with --build a fresh copy. */
function packageDir(tmp, build) {
  if (!build) {
    if (!existsSync(join(root, 'dist'))) throw new Error('no dist/: run `npm run build` first, or pass --build')
    return root
  }
  const dir = join(tmp, 'package')
  sh(join(root, 'node_modules', '.bin', 'tsup'), ['--out-dir', join(dir, 'dist')], { cwd: root })
  sh(process.execPath, [join(root, 'scripts', 'dts-lib.mjs'), join(dir, 'dist')])
  cpSync(join(root, 'package.json'), join(dir, 'package.json'))
  for (const file of pkg.files) if (file !== 'dist') cpSync(join(root, file), join(dir, file), { recursive: true })
  return dir
}

function install(tmp, build) {
  const [{ filename }] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: packageDir(tmp, build) }))
  const dir = join(tmp, 'consumer')
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  for (const dep of Object.keys(pkg.dependencies)) linkFromRepo(dir, dep)
  sh('npm', ['install', '--offline', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', join(tmp, filename)], { cwd: dir })
  linkFromRepo(dir, '@types/node')
  // sls-webtrack/otel's declarations name @opentelemetry/sdk-logs, an optional peer dependency
  // that its users have installed (it resolves its own dependencies from this repository).
  linkFromRepo(dir, '@opentelemetry/sdk-logs')
  return dir
}

function compile(dir, v) {
  const project = join(dir, v.name.replace(' ', '-'))
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: v.type }))
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: compilerOptions(v), files: ['consumer.ts'] }, null, 2))
  writeFileSync(join(project, 'consumer.ts'), `${header(v.type === 'module', v.browser)}\n${v.browser ? browserBody : body}`)
  return new Promise((done) => {
    const started = Date.now()
    const child = spawn(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: dir })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (status) => done({ ...v, ok: status === 0, out, seconds: (Date.now() - started) / 1000 }))
  })
}

/** Packs, installs and compiles every variant; resolves each variant's result. */
async function checkConsumer({ build = false } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'sls-webtrack-consumer-'))
  try {
    const started = Date.now()
    const dir = install(tmp, build)
    console.log(`${build ? 'built, packed' : 'packed'} and installed in ${(Date.now() - started) / 1000} s`)
    const results = []
    const queue = [...variants]
    const worker = async () => {
      for (let v = queue.shift(); v; v = queue.shift()) results.push(await compile(dir, v))
    }
    await Promise.all(Array.from({ length: Math.min(availableParallelism(), queue.length) }, worker))
    return variants.map((v) => results.find((r) => r.name === v.name))
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const results = await checkConsumer({ build: process.argv.includes('--build') })
  for (const r of results) console.log(r.ok ? `${r.name}: ok (${r.seconds} s)` : `${r.name}: failed\n${r.out.trim()}\n`)
  const failed = results.filter((r) => !r.ok).length
  console.log(
    failed
      ? `${failed} of ${results.length} consumer compiles failed (skipLibCheck: false, strict)`
      : `the packed tarball compiles for all ${results.length} consumers`,
  )
  process.exitCode = failed ? 1 : 0
}
