// Human-readable figures for the CLI's progress and summaries.

/** `1234567` → `1.18 MiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(2)} MiB`
}

/** One accepted log as one line: time, project/logstore, topic, then key=value pairs. */
export function logLine(rec: { project: string; logstore: string; topic?: string | undefined; log: Record<string, string>; receivedAt: number }): string {
  const time = new Date(rec.receivedAt).toISOString().slice(11, 19)
  const fields = Object.entries(rec.log)
    .filter(([k]) => k !== '__time__')
    .map(([k, v]) => `${k}=${/[\s"]/.test(v) || v === '' ? JSON.stringify(v) : v}`)
    .join(' ')
  return `${time} ${rec.project}/${rec.logstore}${rec.topic ? ` [${rec.topic}]` : ''} ${fields}`
}
