// size-limit's esbuild config for its row of the same name (see up-front.mjs).
import { sizeLimitConfig } from './up-front.mjs'

export default sizeLimitConfig(import.meta.url)
