import { jsonStringBytes } from '../system/json-bytes.js';

/** How much one stream may hold for a consumer that reads slower than it is written to. */
export interface QueueLimits {
  /** Events held at most. */
  maxEvents: number;
  /** Bytes held at most (as counted by the queue's `sizeOf`). */
  maxBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxEvents: 1000, maxBytes: 1024 * 1024 };

let processHeldBytes = 0;

/** Bytes held by every stream queue of this process together (for tests, soaks and diagnostics). */
export function queuedBytesInProcess(): number {
  return processHeldBytes;
}

/**
 * The one queue behind every stream the manager writes (SSE responses, IPC streams): bounded in
 * events and in bytes. Past either bound an item is refused and counted, never stored (`offer`
 * does not even build it), so memory per stream is at most `maxBytes` plus one item whatever the
 * consumer does. Once full, the queue takes nothing until it has drained to half its bounds: a
 * consumer that falls behind gets runs of events with one gap between, not one event in every
 * few, and a producer that waits for `onRoom` is not woken for every single slot. What was
 * dropped is told where the gap is: the next item stored is preceded by a notice (`gap`) of the
 * count, and a consumer that drains the queue asks for the rest with `takeDropped`.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private sizes: number[] = [];
  private head = 0;
  private heldBytes = 0;
  private droppedCount = 0;
  /** Full, and not yet drained to half: nothing is taken. */
  private refusing = false;
  private readonly roomListeners = new Set<() => void>();

  constructor(
    private readonly limits: QueueLimits,
    private readonly sizeOf: (item: T) => number,
    /** The notice that stands where events were dropped. */
    private readonly gap: (dropped: number) => T,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** True when nothing more is taken: lets a producer skip building an item, or stop producing. */
  get full(): boolean {
    return this.refusing;
  }

  /** Counts items lost before they reached the queue (by the producer, or skipped because `full`). */
  countDrop(count = 1): void {
    this.droppedCount += count;
  }

  /** Calls `listener` each time the queue, having been full, has drained to half; returns the unsubscribe. */
  onRoom(listener: () => void): () => void {
    this.roomListeners.add(listener);
    return () => this.roomListeners.delete(listener);
  }

  /** Stores the item `build` makes, after the notice of what was dropped before it; false when full. */
  offer(build: () => T): boolean {
    if (this.refusing) {
      this.droppedCount++;
      return false;
    }
    // The notice first: an item numbered when built (an SSE frame's id) stays after it.
    if (this.droppedCount > 0) this.store(this.gap(this.takeDropped()));
    return this.push(build());
  }

  /** Stores the item (after the notice of what was dropped before it), or counts it as dropped. */
  push(item: T): boolean {
    const size = this.sizeOf(item);
    if (this.refusing || this.heldBytes + size > this.limits.maxBytes) {
      this.refusing = true;
      this.droppedCount++;
      return false;
    }
    if (this.droppedCount > 0) this.store(this.gap(this.takeDropped()));
    this.store(item);
    if (this.length >= this.limits.maxEvents || this.heldBytes >= this.limits.maxBytes) this.refusing = true;
    return true;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    const size = this.sizes[this.head] ?? 0;
    this.heldBytes -= size;
    processHeldBytes -= size;
    this.head++;
    // Reclaim the consumed front so the arrays stay as small as what is held.
    if (this.length === 0 || this.head >= 1024) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    if (this.refusing && this.length * 2 <= this.limits.maxEvents && this.heldBytes * 2 <= this.limits.maxBytes) {
      this.refusing = false;
      for (const listener of [...this.roomListeners]) listener();
    }
    return item;
  }

  /** The drop count since the last call, reset to zero. */
  takeDropped(): number {
    const count = this.droppedCount;
    this.droppedCount = 0;
    return count;
  }

  clear(): void {
    processHeldBytes -= this.heldBytes;
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.heldBytes = 0;
    this.refusing = false;
    this.roomListeners.clear();
  }

  /** Held whatever the bounds: the notice of a gap must keep its place. */
  private store(item: T): void {
    const size = this.sizeOf(item);
    this.items.push(item);
    this.sizes.push(size);
    this.heldBytes += size;
    processHeldBytes += size;
  }
}

/**
 * About how many bytes an event takes once serialised, without serialising it: strings exactly
 * as JSON writes them (escapes, UTF-8), a little per other field, walked to a bounded depth. A log
 * line's text dominates it.
 */
export function approximateBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return jsonStringBytes(value) + 2;
  if (value === null || typeof value !== 'object') return 8;
  if (depth > 6) return 64;
  let total = 2;
  if (Array.isArray(value)) {
    for (const item of value) total += approximateBytes(item, depth + 1) + 1;
    return total;
  }
  for (const [key, item] of Object.entries(value)) total += key.length + 4 + approximateBytes(item, depth + 1);
  return total;
}
