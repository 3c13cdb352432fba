// Headless Debian Chromium through playwright-core; never downloads a browser. `npm test`
// installs it (scripts/provision.mjs); where it could not, browser tests are skipped outside CI
// and fail with CI=true, each time with the command that installs it.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM } from '../../scripts/provision.mjs'
import { requireInstalled, skipWithout } from './run.js'

/** The Chromium the tests drive: `CHROMIUM_PATH`, default /usr/bin/chromium. */
export { CHROMIUM }
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
]

/** True when browser tests must be skipped (no Chromium, not in CI); prints why. */
export function skipBrowser(): boolean {
  return skipWithout('chromium')
}

export async function launchChromium(): Promise<Browser> {
  requireInstalled('chromium')
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}

/**
 * A Chromium a test starts itself, connected over CDP without Playwright's default overrides:
 * no focus emulation, so that a minimised window makes its pages really hidden.
 */
export async function startOwnChromium({ backForwardCache = false } = {}): Promise<{ browser: Browser; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'tracker-chromium-'))
  // By default no back/forward cache, as with Playwright's launch(): a page that navigates away
  // is unloaded, and its regular requests cancelled, rather than frozen with them in flight.
  // The engine harness keeps it, as real users have it.
  const cache = backForwardCache ? [] : ['--disable-back-forward-cache']
  const args = [...CHROMIUM_ARGS, ...cache, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank']
  const proc: ChildProcess = spawn(CHROMIUM, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const running = () => proc.exitCode === null && proc.signalCode === null
  const cleanup = async () => {
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    if (running()) {
      proc.kill('SIGKILL')
      await exited
    }
    // Its helper processes may still be writing for a moment: retry for a few seconds (a
    // leftover temp profile would be harmless, so a last failure is ignored).
    for (let attempt = 0; attempt < 25; attempt++) {
      try {
        rmSync(profile, { recursive: true, force: true })
        break
      } catch {
        await new Promise((r) => setTimeout(r, 200))
      }
    }
  }
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = ''
      const timer = setTimeout(() => reject(new Error(`no DevTools URL from Chromium: ${err}`)), 20_000)
      proc.stderr!.on('data', (d) => {
        err += d
        const m = /DevTools listening on (ws:\S+)/.exec(err)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
      proc.on('exit', () => reject(new Error(`Chromium exited: ${err}`)))
    })
    const browser = await chromium.connectOverCDP(wsUrl, { noDefaults: true })
    return {
      browser,
      async close() {
        // Browser.close shuts Chromium down cleanly (browser.close() would only disconnect).
        await browser
          .newBrowserCDPSession()
          .then((session) => session.send('Browser.close'))
          .catch(() => {})
        await cleanup()
      },
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}
