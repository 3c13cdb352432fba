import type { BuildOptions, Metafile } from 'esbuild'

export function upFrontOutputs(metafile: Metafile): { upFront: string[]; onDemand: string[] }
export function sizeLimitConfig(configUrl: string, part?: 'upFront' | 'onDemand'): BuildOptions
