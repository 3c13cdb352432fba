// The records an emulator keeps: the newest `capacity` items, oldest evicted first, so that a
// long-running emulator (`serve`) holds a bounded number of logs and requests, whatever it
// receives. `Infinity` keeps everything (tests that read every record).

/** A bounded FIFO that evicts its oldest item when full. */
export class Ring<T> {
  readonly capacity: number
  #items: T[] = []
  /** Index of the oldest item once the ring has wrapped. */
  #start = 0

  constructor(capacity: number) {
    this.capacity = capacity
  }

  push(item: T): void {
    if (this.capacity === 0) return
    if (this.#items.length < this.capacity) {
      this.#items.push(item)
      return
    }
    // Full: overwrite the oldest in place, so memory never grows past `capacity` slots.
    this.#items[this.#start] = item
    this.#start = (this.#start + 1) % this.capacity
  }

  /** The items, oldest first (a copy). */
  toArray(): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)]
  }

  clear(): void {
    this.#items = []
    this.#start = 0
  }
}
