// Types for scripts/provision.mjs, which the tests import (test/support/run.ts).
export declare const CACHE: string
export declare const CHROMIUM: string
export declare const PYTHON: string
export declare const FIREFOX: string
export declare const WEBKIT_DRIVER: string
export declare const XVFB_RUN: string
export declare const MINIBROWSER: string
export interface Runtime {
  name: string
  label: string
  pkg: string
  version: string
  bin: string
}
export interface DebianPackage {
  name: string
  label: string
  file?: string
  probe?: string[]
}
export declare const RUNTIMES: Runtime[]
export declare const DEBIAN: DebianPackage[]
export declare function runtimeBin(name: string): string
export declare function npmCommand(rt: Runtime): string[]
export declare function aptCommand(names: string[]): string
export declare function missing(name: string): string | undefined
