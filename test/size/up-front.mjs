// What a page loads before it runs: the app's bundle, split as a bundler that splits code splits
// it (esbuild with `splitting`): the entry's chunk and the chunks it imports statically. Code
// behind `import()` is a chunk fetched when first called. The package test measures with this;
// size-limit's main-entry rows use it as their esbuild config.
import { readFileSync, rmSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The output files of a split build loaded up front and on demand (metafile output keys). */
export function upFrontOutputs(metafile) {
  const outputs = metafile.outputs
  const entry = Object.keys(outputs).find((k) => outputs[k].entryPoint)
  const upFront = new Set([entry])
  for (const key of upFront) {
    for (const i of outputs[key].imports) if (i.kind !== 'dynamic-import' && outputs[i.path]) upFront.add(i.path)
  }
  const onDemand = Object.keys(outputs).filter((k) => !upFront.has(k) && !k.endsWith('.map'))
  return { upFront: [...upFront], onDemand }
}

// size-limit counts every output of the build; this leaves it those loaded up front, or those
// loaded on demand.
const only = (part) => ({
  name: `only-${part}`,
  setup(build) {
    build.onEnd(({ metafile }) => {
      if (!metafile) return
      const keep = upFrontOutputs(metafile)[part]
      metafile.outputs = Object.fromEntries(Object.entries(metafile.outputs).filter(([key]) => keep.includes(key)))
    })
  },
})

/**
 * The esbuild config of the size-limit row whose `config` is the module at `configUrl`: its
 * `path` and `import`, bundled as size-limit bundles them (minified, tree-shaken, the names
 * imported and logged), split, counting what loads up front (`part: 'upFront'`) or what
 * loads when first called (`part: 'onDemand'`).
 */
export function sizeLimitConfig(configUrl, part = 'upFront') {
  const file = basename(fileURLToPath(configUrl))
  const rows = JSON.parse(readFileSync(`${root}.size-limit.json`, 'utf8'))
  const row = rows.find((r) => typeof r.config === 'string' && basename(r.config) === file)
  if (!row) throw new Error(`no row of .size-limit.json has "config" ending in ${file}`)
  const names = row.import.replace(/[{}]/g, '').trim()
  const outdir = `${root}.tmp/size-limit/${file.replace(/\.mjs$/, '')}`
  rmSync(outdir, { recursive: true, force: true })
  return {
    stdin: {
      contents: `import ${row.import} from ${JSON.stringify(`./${row.path}`)}\nconsole.log(${names})\n`,
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    minifyIdentifiers: true,
    minifySyntax: true,
    minifyWhitespace: true,
    treeShaking: true,
    format: 'esm',
    splitting: true,
    outdir,
    write: true,
    metafile: true,
    logLevel: 'error',
    plugins: [only(part)],
  }
}
