/**
 * `sls-webtrack/capture`: the page's uncaught errors, unhandled rejections, chosen console
 * methods, CSP violations and failed resource loads, each sent as a log through a tracker;
 * rate-limited, repeats collapsed, never the tracker's own output. Browsers.
 *
 * @example
 * ```ts
 * import { startCapture } from 'sls-webtrack/capture'
 *
 * const capture = startCapture({ project: 'my-project', endpoint: 'cn-hangzhou.log.aliyuncs.com', logstore: 'web' })
 * // later, if ever: every hook removed, the console put back, the rest sent
 * await capture.stop()
 * ```
 * @packageDocumentation
 */
export { CAPTURE_DEFAULTS, startCapture } from './capture.js'
export type { Capture, CaptureOptions } from './capture.js'
export type { ConsoleLevel } from './events.js'
export type { CaptureStats } from './gate.js'
