import type { ComposeVariant } from './detect.js';

export interface ComposeInfo {
  available: boolean;
  variant: ComposeVariant | null;
  version: string | null;
}

const MAX_AGE_MS = 5 * 60_000;

const UNAVAILABLE: ComposeInfo = { available: false, variant: null, version: null };

/**
 * Which Compose CLI the host offers, for health and metrics: asked once at start and again in the
 * background when older than five minutes (someone may install it meanwhile). Readers never wait
 * for a re-check, and a missing CLI is not looked for on every probe or scrape.
 */
export class ComposeAvailability {
  private latest: { info: ComposeInfo; at: number } | undefined;
  private inFlight: Promise<ComposeInfo> | undefined;

  constructor(private readonly detect: () => Promise<ComposeInfo>) {}

  /** The latest result without waiting; starts a re-detection when it is stale or missing. */
  peek(): ComposeInfo | undefined {
    if (!this.latest || Date.now() - this.latest.at > MAX_AGE_MS) void this.refresh();
    return this.latest?.info;
  }

  /** Waits only when nothing was detected yet. */
  async get(): Promise<ComposeInfo> {
    return this.peek() ?? this.refresh();
  }

  private refresh(): Promise<ComposeInfo> {
    this.inFlight ??= this.detect()
      .catch(() => UNAVAILABLE)
      .then((info) => {
        this.latest = { info, at: Date.now() };
        return info;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
