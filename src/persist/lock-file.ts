// One process per journal: a lock file beside it, `<journal>.lock`, holding the holder's PID.
// It is made by writing the PID to a file of our own and hard-linking it to the lock's name:
// `link` fails when the name exists, and the lock never exists without its PID (a lock opened
// with `wx` and then written is empty for a moment, and forever if its process dies in between).
// A lock whose PID is not running (the holder was killed) is stale and taken over. Local file
// systems only: a PID means nothing on another host. A PID reused by a new process since keeps
// the lock held; the error says to remove the file then.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { JournalError } from './errors.js'

/** A held lock; `release` removes it if it is still ours. */
export interface LockFile {
  readonly path: string
  release(): void
}

/** The PID in a lock file; undefined when the file is gone. */
function holder(lock: string, journal: string): number | undefined {
  let text: string
  try {
    text = readFileSync(lock, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (/^[1-9]\d*\n?$/.test(text)) return Number(text)
  const message = `journal ${JSON.stringify(journal)}: its lock file ${JSON.stringify(lock)} holds no process id (${JSON.stringify(text.slice(0, 20))}); remove it if no process uses the journal`
  throw new JournalError({ code: 'locked', path: journal, message })
}

/** Whether a process `pid` runs: signal 0 checks without sending; EPERM means it runs as another user. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const lockedBy = (journal: string, lock: string, pid: number) =>
  new JournalError({
    code: 'locked',
    path: journal,
    pid,
    message: `journal ${JSON.stringify(journal)} is in use by process ${pid} (lock file ${JSON.stringify(lock)}): one process per journal; if process ${pid} does not use it, remove the lock file`,
  })

/**
 * Moves a stale lock aside, and removes it. Renaming is atomic, so of two processes taking over
 * the same stale lock only one moves it; should the moved file hold a live PID (another process
 * took the lock over in between), it is put back and that process holds the journal.
 */
function takeOver(journal: string, lock: string, stale: number): void {
  const aside = `${lock}.stale-${process.pid}`
  try {
    renameSync(lock, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = holder(aside, journal)
  if (moved !== undefined && moved !== stale) {
    try {
      linkSync(aside, lock)
    } catch {
      // A third process holds the lock by now: it is held either way.
    }
    rmSync(aside, { force: true })
    throw lockedBy(journal, lock, moved)
  }
  rmSync(aside, { force: true })
}

/** Removes the lock if it still holds this process's PID (a taker-over may hold it by now). */
function release(journal: string, lock: string): void {
  try {
    if (holder(lock, journal) === process.pid) rmSync(lock, { force: true })
  } catch {
    // Not ours: a lock file made by hand, left alone.
  }
}

/**
 * Takes the lock of `journal` for this process.
 * @throws JournalError (`locked`) naming the journal and the PID of the process that holds it.
 */
export function lockJournal(journal: string): LockFile {
  const lock = `${journal}.lock`
  const mine = `${lock}.${process.pid}`
  writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 })
  try {
    // Bounded: each turn either takes the lock, fails, or removes a stale one.
    for (let turn = 0; turn < 4; turn++) {
      try {
        linkSync(mine, lock)
        return { path: lock, release: () => release(journal, lock) }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const pid = holder(lock, journal)
      if (pid === undefined) continue
      if (running(pid)) throw lockedBy(journal, lock, pid)
      takeOver(journal, lock, pid)
    }
    throw new JournalError({
      code: 'locked',
      path: journal,
      message: `journal ${JSON.stringify(journal)}: its lock file ${JSON.stringify(lock)} kept changing hands; try again`,
    })
  } finally {
    rmSync(mine, { force: true })
  }
}
