// The three browser engines behind one small harness, so that a browser scenario is written
// once and run in each (`describe.each(ENGINES)`). Each engine is launched once per test file
// and drives Debian's browser; none is ever downloaded:
//   chromium  /usr/bin/chromium, started here and driven over CDP by playwright-core without
//             its default overrides (Playwright's own launch emulates focus: a page never hides,
//             and it turns the back/forward cache off);
//   firefox   firefox-esr, launched by puppeteer-core over WebDriver BiDi;
//   webkit    WebKitGTK's MiniBrowser, through WebKitWebDriver and selenium-webdriver, under
//             xvfb-run (it needs a display).
// What differs is how a page is hidden for real: Chromium minimises its window over CDP, Firefox
// brings another tab to the front, WebKit minimises its window through WebDriver (a new tab does
// not hide the page there). WebKitWebDriver exposes no console or network events, so scenarios
// learn everything from the page itself (`evaluate`) and from the servers they start.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { Page as PwPage } from 'playwright-core'
import puppeteer, { type Browser as PpBrowser, type Page as PpPage } from 'puppeteer-core'
import { Builder, type WebDriver } from 'selenium-webdriver'
import { FIREFOX, MINIBROWSER, WEBKIT_DRIVER, XVFB_RUN } from '../../scripts/provision.mjs'
import { startOwnChromium } from './browser.js'
import { requireInstalled, skipWithout } from './run.js'

export type EngineName = 'chromium' | 'firefox' | 'webkit'
export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit']

/** The Debian packages (scripts/provision.mjs) each engine needs. */
const PACKAGES: Record<EngineName, string[]> = {
  chromium: ['chromium'],
  firefox: ['firefox-esr'],
  webkit: ['webkit2gtk-driver', 'xvfb'],
}

/** True when an engine's tests are skipped (missing, not in CI); prints why. With CI=true it is never skipped. */
export function skipEngine(name: EngineName): boolean {
  return PACKAGES[name].map((pkg) => skipWithout(pkg)).some(Boolean)
}

/** One page (a tab or a window) of an engine. */
export interface EnginePage {
  /** Runs `fn(arg)` in the page (its source is sent: it must not close over anything); a promise is awaited. */
  evaluate<A, R>(fn: (arg: A) => R, arg?: A): Promise<Awaited<R>>
  /** Loads `url` and waits for its `load` event. */
  goto(url: string): Promise<void>
  /** Waits until the page shows `path` (after a navigation the page started) and its document is complete. */
  waitForPath(path: string, ms?: number): Promise<void>
  /** Hides the page for real (not a dispatched event) and waits until `document.visibilityState` is `'hidden'`. */
  hide(): Promise<void>
  close(): Promise<void>
}

export interface Engine {
  readonly name: EngineName
  /** A new, visible page at about:blank. One page at a time: close it before the next. */
  newPage(): Promise<EnginePage>
  close(): Promise<void>
}

/** Polls `check` until it holds; fails with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Launches an engine (once per test file); fails with the install command when it is missing. */
export async function launchEngine(name: EngineName): Promise<Engine> {
  for (const pkg of PACKAGES[name]) requireInstalled(pkg)
  if (name === 'chromium') return launchChromiumOverCdp()
  if (name === 'firefox') return launchFirefox()
  return launchWebKit()
}

/** `waitForPath` over any `evaluate`: a page in the middle of a navigation has no context to run in, so errors are retried. */
function pathWaiter(evaluate: EnginePage['evaluate']): EnginePage['waitForPath'] {
  return (path, ms = 15_000) =>
    until(
      `the page at ${path}`,
      () =>
        evaluate(() => (document.readyState === 'complete' ? location.pathname : '')).then(
          (at) => at === path,
          () => false,
        ),
      ms,
    )
}

function hiddenWaiter(evaluate: EnginePage['evaluate']): () => Promise<void> {
  return () => until('the page hidden', async () => (await evaluate(() => document.visibilityState)) === 'hidden')
}

// ---- Chromium -------------------------------------------------------------------------------

async function launchChromiumOverCdp(): Promise<Engine> {
  const own = await startOwnChromium({ backForwardCache: true })
  const context = own.browser.contexts()[0]!
  return {
    name: 'chromium',
    async newPage() {
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      const { windowId } = await cdp.send('Browser.getWindowForTarget')
      // A window minimised by an earlier test may hold the new tab: show it again.
      await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'normal' } })
      return chromiumPage(page, async () => {
        await cdp.send('Browser.setWindowBounds', { windowId, bounds: { windowState: 'minimized' } })
      })
    },
    close: () => own.close(),
  }
}

function chromiumPage(page: PwPage, minimise: () => Promise<void>): EnginePage {
  // The drivers' own evaluate types are theirs; the interface's is the one the tests see.
  const evaluate: EnginePage['evaluate'] = (fn, arg) => page.evaluate(fn as (arg?: unknown) => unknown, arg) as never
  return {
    evaluate,
    async goto(url) {
      await page.goto(url)
    },
    waitForPath: pathWaiter(evaluate),
    async hide() {
      await minimise()
      await hiddenWaiter(evaluate)()
    },
    close: () => page.close(),
  }
}

async function stopProcess(proc: ChildProcess, group = false): Promise<void> {
  const running = () => proc.exitCode === null && proc.signalCode === null
  if (!running()) return
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  if (group) process.kill(-proc.pid!, 'SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
  if (running()) {
    if (group) process.kill(-proc.pid!, 'SIGKILL')
    else proc.kill('SIGKILL')
    await exited
  }
}

// ---- Firefox --------------------------------------------------------------------------------

async function launchFirefox(): Promise<Engine> {
  const browser: PpBrowser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
  })
  return {
    name: 'firefox',
    async newPage() {
      const page = await browser.newPage()
      await page.bringToFront()
      return firefoxPage(browser, page)
    },
    async close() {
      await browser.close()
    },
  }
}

function firefoxPage(browser: PpBrowser, page: PpPage): EnginePage {
  let cover: PpPage | undefined
  // The drivers' own evaluate types are theirs; the interface's is the one the tests see.
  const evaluate: EnginePage['evaluate'] = (fn, arg) => page.evaluate(fn as (arg?: unknown) => unknown, arg) as never
  return {
    evaluate,
    async goto(url) {
      await page.goto(url)
    },
    waitForPath: pathWaiter(evaluate),
    async hide() {
      // Another tab in front hides this one (headless Firefox has no window to minimise).
      cover = await browser.newPage()
      await cover.bringToFront()
      await hiddenWaiter(evaluate)()
    },
    async close() {
      await cover?.close()
      await page.close()
    },
  }
}

// ---- WebKit ---------------------------------------------------------------------------------

/** A free TCP port on loopback, for WebKitWebDriver (which takes a port, not 0). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function launchWebKit(): Promise<Engine> {
  const port = await freePort()
  // Its own process group: xvfb-run starts Xvfb and the driver, and all of them stop together.
  const proc = spawn(XVFB_RUN, ['-a', WEBKIT_DRIVER, `--port=${port}`, '--host=127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  })
  let err = ''
  proc.stderr.on('data', (d) => (err += d))
  let driver: WebDriver | undefined
  try {
    const server = `http://127.0.0.1:${port}`
    await until(
      `WebKitWebDriver on port ${port} (${err})`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`WebKitWebDriver exited: ${err}`)
        return fetch(`${server}/status`).then(
          (r) => r.ok,
          () => false,
        )
      },
      30_000,
    )
    driver = await new Builder()
      .usingServer(server)
      .withCapabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
      })
      .build()
  } catch (error) {
    await stopProcess(proc, true)
    throw error
  }
  const d = driver
  const home = await d.getWindowHandle()
  return {
    name: 'webkit',
    async newPage() {
      await d.switchTo().newWindow('window')
      const handle = await d.getWindowHandle()
      return webkitPage(d, handle, home)
    },
    async close() {
      await d.quit().catch(() => {})
      await stopProcess(proc, true)
    },
  }
}

function webkitPage(d: WebDriver, handle: string, home: string): EnginePage {
  // W3C Execute Script awaits a promise the script returns.
  const evaluate: EnginePage['evaluate'] = (fn, arg) => d.executeScript(`return (${fn.toString()})(arguments[0])`, arg)
  return {
    evaluate,
    goto: (url) => d.get(url),
    waitForPath: pathWaiter(evaluate),
    async hide() {
      await d.manage().window().minimize()
      await hiddenWaiter(evaluate)()
    },
    async close() {
      await d.switchTo().window(handle)
      await d.close()
      await d.switchTo().window(home)
    },
  }
}
