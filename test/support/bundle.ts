// A module of src/ (or a few lines importing from it) bundled for a page as a classic script
// that sets one global: the form every browser test serves, built in memory with esbuild.
import { build } from 'esbuild'
import { join } from 'node:path'
import { root } from './run.js'

/** The entry: a file under the repository's root, or source text resolved from the root. */
export type BundleEntry = { file: string } | { contents: string; loader?: 'ts' | 'js' }

/** `entry` bundled as an IIFE that assigns its exports to `globalName`; the script's text. */
export async function browserBundle(entry: BundleEntry, globalName: string): Promise<string> {
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [join(root, entry.file)] }
      : { stdin: { contents: entry.contents, resolveDir: root, loader: entry.loader ?? 'ts' } }),
    bundle: true,
    format: 'iife',
    globalName,
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}
