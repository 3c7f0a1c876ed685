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
 * events and in bytes. Past either bound an item is refused and counted, never stored, so memory
 * per stream is at most `maxBytes` plus one item whatever the consumer does. The count is handed
 * out once (`takeDropped`) so the consumer hears how much it missed when it has caught up.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private sizes: number[] = [];
  private head = 0;
  private heldBytes = 0;
  private droppedCount = 0;

  constructor(
    private readonly limits: QueueLimits,
    private readonly sizeOf: (item: T) => number,
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

  /** True when nothing more fits: lets a producer skip building an item that would be dropped. */
  get full(): boolean {
    return this.length >= this.limits.maxEvents || this.heldBytes >= this.limits.maxBytes;
  }

  /** Counts an item the producer did not even build because the queue was full. */
  countDrop(): void {
    this.droppedCount++;
  }

  /**
   * Stores the item, or counts it as dropped when it would cross a bound; returns whether stored.
   * `force` stores it anyway: for a small notice that must keep its place (what was dropped).
   */
  push(item: T, force = false): boolean {
    const size = this.sizeOf(item);
    if (!force && (this.length >= this.limits.maxEvents || this.heldBytes + size > this.limits.maxBytes)) {
      this.droppedCount++;
      return false;
    }
    this.items.push(item);
    this.sizes.push(size);
    this.heldBytes += size;
    processHeldBytes += size;
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
  }
}

/**
 * About how many bytes an event takes once serialised, without serialising it: string lengths
 * plus a little per field, walked to a bounded depth. Good enough to bound a queue; a log line's
 * text dominates it.
 */
export function approximateBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length + 2;
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
