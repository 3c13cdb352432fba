#!/usr/bin/env node
// Builds the docs site into site/ (git-ignored), for `npm run docs`:
//   site/api/index.html  the HTTP API reference, rendered by Redocly from openapi/webtracking.yaml
//                        (one self-contained file: Redoc is inlined, nothing loads from a CDN)
//   site/reference/      the TypeDoc reference of the package's entry points, with the guides
//                        docs/*.md rendered as TypeDoc project documents (reference/documents/)
//   site/index.html      one page linking all of it
// Works offline, and from any base path (https://host/, https://host/sls-webtrack/, file://):
// every link between pages is relative. Usage: node scripts/build-docs.mjs [--out DIR]
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Application, Converter, PageEvent, ReflectionKind, RendererEvent } from 'typedoc'

const root = fileURLToPath(new URL('..', import.meta.url))
const outArg = process.argv.indexOf('--out')
const out = resolve(root, outArg > 0 ? process.argv[outArg + 1] : 'site')
const spec = join(root, 'openapi/webtracking.yaml')
const started = performance.now()

// Entry points and the import path each one is published as (package.json "exports").
const ENTRY_POINTS = [
  ['src/index.ts', 'sls-webtrack'],
  ['src/core.ts', 'sls-webtrack/core'],
  ['src/compress/lz4.ts', 'sls-webtrack/lz4'],
  ['src/compress/deflate.ts', 'sls-webtrack/deflate'],
  ['src/emulator/index.ts', 'sls-webtrack/emulator'],
  ['src/sign/index.ts', 'sls-webtrack/sign'],
  ['src/persist/index.ts', 'sls-webtrack/persist'],
  ['src/otel/index.ts', 'sls-webtrack/otel'],
  ['src/offline/index.ts', 'sls-webtrack/offline'],
  ['src/context/index.ts', 'sls-webtrack/context'],
  ['src/consent/index.ts', 'sls-webtrack/consent'],
  ['src/mini/index.ts', 'sls-webtrack/mini'],
  ['src/capture/index.ts', 'sls-webtrack/capture'],
  ['src/pino/index.ts', 'sls-webtrack/pino'],
  ['src/winston/index.ts', 'sls-webtrack/winston'],
].filter(([file]) => existsSync(join(root, file)))

// The guides in reading order: the index and the reference's sidebar list them so (TypeDoc keeps
// project documents in the order given). A guide missing here fails the build.
const GUIDES = ['docs/guide.md', 'docs/mini-programs.md', 'docs/migrating.md', 'docs/wire.md', 'docs/benchmarks.md']
const unlisted = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md') && !GUIDES.includes(`docs/${f}`))
if (unlisted.length) fail(`docs/${unlisted.join(', docs/')} not in GUIDES (scripts/build-docs.mjs): add it in reading order`)

// The site's navigation, as paths from the site's root: the bar of the API page, and the
// toolbar of the reference (less its own link). TypeDoc writes navigationLinks as given, on
// pages at every depth, so they are given from SITE_ROOT, which each page then replaces with
// its own way up (`../`, `../../`).
const SITE_LINKS = [
  ['Docs home', 'index.html'],
  ['Guides', 'index.html#guides'],
  ['HTTP API', 'api/index.html'],
  ['TypeScript reference', 'reference/index.html'],
]
const SITE_ROOT = '{site-root}/'

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const specVersion = /^\s{2}version:\s*(\S+)/m.exec(readFileSync(spec, 'utf8'))?.[1] ?? ''

// The Redocly wordmark as a small inline SVG (text only), standing in for the CDN logo.
const REDOCLY_WORDMARK =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16" viewBox="0 0 64 16"><text x="0" y="12.5" font-family="system-ui,sans-serif" font-size="13" font-weight="600" fill="#0044D4">Redocly</text></svg>',
  )

// One icon for every page. A page without `<link rel="icon">` makes the browser request
// /favicon.ico: a 404 and a console error on any host that has none.
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0969da"/>' +
  '<path d="M8 10h16M8 16h12M8 22h16" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>\n'

// TypeDoc wraps long code lines (`white-space: pre-wrap`), breaking comments mid-word; a code
// block scrolls sideways instead.
const REFERENCE_CSS = `pre { white-space: pre; word-wrap: normal; overflow-x: auto; }\n`

// The API page's way back to the rest of the site: a bar above Redoc, which Redoc's
// scrollYOffset makes room for (its sidebar and anchors sit below it).
const API_NAV_HEIGHT = 44
const API_NAV = `<style>
  .site-nav { position: sticky; top: 0; z-index: 100; height: ${API_NAV_HEIGHT}px; box-sizing: border-box; display: flex; align-items: center; gap: 1.25rem; padding: 0 1.25rem; background: #1b1f24; font: 14px/1 system-ui, sans-serif; }
  .site-nav a { color: #fff; text-decoration: none; } .site-nav a:hover { text-decoration: underline; }
  .site-nav a[aria-current] { font-weight: 600; }
</style>
<nav class="site-nav" aria-label="Site">
${SITE_LINKS.map(([label, path]) => (path.startsWith('api/') ? `  <a href="index.html" aria-current="page">${label}</a>` : `  <a href="../${path}">${label}</a>`)).join('\n')}
</nav>`

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'api'), { recursive: true })
writeFileSync(join(out, 'favicon.svg'), FAVICON)
const scratch = mkdtempSync(join(tmpdir(), 'build-docs-'))
writeFileSync(join(scratch, 'reference.css'), REFERENCE_CSS)

// Redocly runs as a child process while TypeDoc runs here: the two take about as long.
const [api, reference] = await Promise.all([buildApi(), buildReference()]).finally(() => rmSync(scratch, { recursive: true, force: true }))
writeFileSync(join(out, 'index.html'), indexPage(reference))

const seconds = ((performance.now() - started) / 1000).toFixed(1)
const built = [
  ['index.html', 'links to everything below'],
  ['api/index.html', `HTTP API reference (Redocly, ${kib(api.bytes)}, works offline)`],
  ['reference/index.html', `TypeDoc reference: ${reference.modules.map((m) => m.name).join(', ')}`],
  ...reference.documents.map((doc) => [`reference/${doc.url}`, `guide: ${doc.title}`]),
]
const width = Math.max(...built.map(([file]) => file.length)) + 2
console.log(`\nBuilt ${relative(root, out) || '.'}/ in ${seconds} s:`)
for (const [file, what] of built) console.log(`  ${file.padEnd(width)}${what}`)

/**
 * `redocly build-docs --inlineBundle`, then: the one remaining CDN URL made local, the menu's
 * links made relative, and the site's navigation bar added.
 */
async function buildApi() {
  const file = join(out, 'api/index.html')
  const args = [
    'build-docs',
    spec,
    '--inlineBundle',
    '--output',
    file,
    '--title',
    `${pkg.name} — HTTP API (PutWebTracking)`,
    `--openapi.scrollYOffset=${API_NAV_HEIGHT}`,
  ]
  const { code, output } = await exec(join(root, 'node_modules/.bin/redocly'), args, { REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' })
  if (code !== 0 || !existsSync(file)) fail(`redocly build-docs failed (exit ${code}):\n${output}`)
  // Even with --inlineBundle, Redoc's sidebar footer ("API docs by" + logo) loads its logo from
  // cdn.redoc.ly: offline that is a failed request and a console error, and no Redoc option
  // hides it (Redoc 3 renders the footer unconditionally). Replace the logo's URL with an inline
  // SVG wordmark: the attribution and its link stay, nothing leaves the page.
  let html = readFileSync(file, 'utf8')
  const logo = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g
  const found = html.match(logo)?.length ?? 0
  html = html.replace(logo, REDOCLY_WORDMARK)
  if (found === 0) console.warn('build-docs: Redoc no longer names cdn.redoc.ly/redoc/logo-*.svg; check the page for other CDN requests')
  // Redoc pre-renders its menu with path routes from the host's root (`href="/webtracking"`);
  // hydrated in the browser, it renders hash routes (`#/webtracking`) but keeps the pre-rendered
  // hrefs. Those lead off the page (a 404 on a static host, and outside any subpath): write the
  // hash routes the browser would.
  html = html.replace(/href="\/([^"]*)"(?= data-discover)/g, 'href="#/$1"')
  const markup = html.slice(html.indexOf('<div id="redoc">'), html.indexOf('<script type="module">'))
  const rooted = markup.match(/href="\/[^"]*"/g)
  if (rooted) fail(`the API page still links from the host's root: ${[...new Set(rooted)].join(', ')}`)
  html = html.replace('<head>', '<head>\n  <link rel="icon" type="image/svg+xml" href="../favicon.svg">')
  html = html.replace('<body>', `<body>\n${API_NAV}`)
  writeFileSync(file, html)
  return { bytes: Buffer.byteLength(html) }
}

async function buildReference() {
  const app = await Application.bootstrapWithPlugins({
    name: pkg.name,
    entryPoints: ENTRY_POINTS.map(([file]) => join(root, file)),
    entryPointStrategy: 'resolve',
    tsconfig: join(root, 'tsconfig.json'),
    projectDocuments: GUIDES.map((file) => join(root, file)),
    readme: join(root, 'README.md'),
    favicon: join(out, 'favicon.svg'),
    customCss: join(scratch, 'reference.css'),
    out: join(out, 'reference'),
    plugin: [],
    // `npm run typecheck` is the type check; here a type error must not stop the docs.
    skipErrorChecking: true,
    // No "Defined in" source links: they need git (or a URL template), and the repository has
    // no public URL yet; the build must not depend on the state of a checkout either.
    disableSources: true,
    excludePrivate: true,
    excludeInternal: true,
    includeVersion: true,
    githubPages: false,
    hideGenerator: true,
    // Module names hold a "/"; without this the sidebar nests the subpath modules as a
    // folder inside the main `sls-webtrack` module.
    navigation: { includeFolders: false },
    navigationLinks: Object.fromEntries(
      SITE_LINKS.filter(([, path]) => !path.startsWith('reference/')).map(([label, path]) => [label, SITE_ROOT + path]),
    ),
    validation: { notExported: false, invalidLink: true, rewrittenLink: true, notDocumented: false },
    logLevel: 'Warn',
  })
  // Name each module as it is imported (`sls-webtrack/core`) instead of by its file (`core`).
  const byFile = new Map(ENTRY_POINTS.map(([file, name]) => [resolve(root, file), name]))
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const file = context.getSymbolFromReflection(mod)?.declarations?.[0]?.getSourceFile().fileName
      const name = file && byFile.get(resolve(file))
      if (name) mod.name = name
    }
  })
  // A page's way up to the site's root: one `../` per folder of its URL, plus reference/ itself.
  app.renderer.on(PageEvent.END, (page) => {
    page.contents = page.contents?.replaceAll(`href="${SITE_ROOT}`, `href="${'../'.repeat(page.url.split('/').length)}`)
    if (page.contents?.includes(SITE_ROOT)) fail(`reference/${page.url} still holds ${SITE_ROOT}`)
  })
  const pages = { modules: [], documents: [] }
  app.renderer.on(RendererEvent.BEGIN, (event) => {
    const router = app.renderer.router
    for (const mod of event.project.getChildrenByKind(ReflectionKind.Module))
      pages.modules.push({ name: mod.name, url: router.getFullUrl(mod) })
    for (const doc of event.project.documents ?? []) pages.documents.push({ title: doc.name, url: router.getFullUrl(doc) })
  })
  const project = await app.convert()
  if (!project) fail('TypeDoc could not convert the entry points (see above)')
  await app.generateDocs(project, join(out, 'reference'))
  if (app.logger.hasErrors()) fail('TypeDoc reported errors (see above)')
  const guides = guideSummaries()
  for (const doc of pages.documents) doc.summary = guides.get(doc.title) ?? ''
  const sortOrder = ENTRY_POINTS.map(([, name]) => name)
  pages.modules.sort((a, b) => sortOrder.indexOf(a.name) - sortOrder.indexOf(b.name))
  return pages
}

/** Title (front matter) → first paragraph after the heading, of each guide in docs/. */
function guideSummaries() {
  const map = new Map()
  const dir = join(root, 'docs')
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(join(dir, name), 'utf8')
    const title = /^---\n[\s\S]*?^title:\s*(.+)$[\s\S]*?^---$/m.exec(text)?.[1]?.trim() ?? basename(name, '.md')
    const body = text.replace(/^---\n[\s\S]*?\n---\n/, '')
    const para = body
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .find((p) => p && !p.startsWith('#'))
    map.set(title, (para ?? '').replace(/\s+/g, ' '))
  }
  return map
}

function indexPage({ modules, documents }) {
  const li = (href, text, note = '') => `      <li><a href="${esc(href)}">${esc(text)}</a>${note ? ` — ${note}` : ''}</li>`
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(pkg.name)} documentation</title>
  <link rel="icon" type="image/svg+xml" href="favicon.svg">
  <style>
    body { font: 16px/1.55 system-ui, sans-serif; max-width: 46rem; margin: 2.5rem auto; padding: 0 1.25rem; color: #1b1f24; }
    h1 { font-size: 1.9rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d8dee4; padding-bottom: .3rem; }
    p.lead { color: #57606a; margin-top: 0; } ul { padding-left: 1.2rem; } li { margin: .35rem 0; }
    a { color: #0969da; } code { font: .9em ui-monospace, monospace; background: #f3f4f6; padding: .1em .3em; border-radius: 4px; }
    footer { margin-top: 3rem; color: #57606a; font-size: .85rem; }
  </style>
</head>
<body>
  <main>
    <h1>${esc(pkg.name)} <small>${esc(pkg.version)}</small></h1>
    <p class="lead">${esc(pkg.description)}</p>
    <p><code>npm install ${esc(pkg.name)}</code>, then start with <a href="reference/${esc(documents[0].url)}">${esc(documents[0].title)}</a>.</p>
    <section id="guides">
      <h2>Guides</h2>
      <ul>
${documents.map((d) => li(`reference/${d.url}`, d.title, inlineCode(esc(d.summary)))).join('\n')}
      </ul>
    </section>
    <section id="http-api">
      <h2>HTTP API</h2>
      <ul>
${li('api/index.html', 'PutWebTracking — /logstores/{logstore}/track', `the operation itself, for any client: the OpenAPI description shipped in the package (<code>openapi/webtracking.yaml</code>, API version ${esc(specVersion)})`)}
      </ul>
    </section>
    <section id="reference">
      <h2>TypeScript reference</h2>
      <ul>
${li('reference/index.html', 'All entry points', 'every export of each import path, with its types and documentation')}
${modules.map((m) => li(`reference/${m.url}`, m.name)).join('\n')}
      </ul>
    </section>
  </main>
  <footer>${esc(pkg.name)} ${esc(pkg.version)} · ${esc(pkg.license)} license</footer>
</body>
</html>
`
}

function exec(cmd, args, env) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('error', (error) => done({ code: -1, output: String(error) }))
    child.on('close', (code) => done({ code, output }))
  })
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])
}

/** The one bit of Markdown a guide's summary needs on the index page: `code`. */
function inlineCode(html) {
  return html.replace(/`([^`]+)`/g, '<code>$1</code>')
}

function kib(bytes) {
  return `${Math.round(bytes / 1024)} KiB`
}

function fail(message) {
  console.error(`build-docs: ${message}`)
  process.exit(1)
}
