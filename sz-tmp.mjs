import { build } from 'esbuild'
const r = await build({ stdin: { contents: "import { createTracker } from './dist/core.js'; import {lz4} from './dist/lz4.js'; console.log(createTracker, lz4)", resolveDir: process.cwd() }, bundle: true, minify: true, write: false, format: 'esm', logLevel: 'silent' })
process.stdout.write(r.outputFiles[0].text)
