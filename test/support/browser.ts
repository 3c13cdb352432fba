// Headless Debian Chromium through playwright-core; never downloads a browser. `npm test`
// installs it (scripts/provision.mjs); where it could not, browser tests are skipped outside CI
// and fail with CI=true, each time with the command that installs it.
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
