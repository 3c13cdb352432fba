// Headless Debian Chromium through playwright-core; never downloads a browser. Outside CI a
// missing Chromium skips browser tests with a visible notice; with CI=true it is a failure.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync']

/** True when browser tests must be skipped (no Chromium, not in CI); prints why. */
export function skipBrowser(): boolean {
  if (existsSync(CHROMIUM)) return false
  if (process.env.CI === 'true') return false // let the launch fail loudly: CI must have it
  console.warn(`\n[browser tests skipped] no Chromium at ${CHROMIUM}: apt-get install -y chromium\n`)
  return true
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}
