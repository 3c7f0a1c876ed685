export interface SseFrame {
  id?: string;
  event: string;
  data: any;
  raw: string;
}

/**
 * Reads a Server-Sent Events response frame by frame (comments are returned as event `comment`).
 * Stops when `until` says so or the stream ends.
 */
export async function readSse(
  response: Response,
  until: (frames: SseFrame[]) => boolean,
): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    while (!until(frames)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const raw = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        frames.push(parseFrame(raw));
        if (until(frames)) break;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return frames;
}

function parseFrame(raw: string): SseFrame {
  if (raw.startsWith(':')) return { event: 'comment', data: raw.slice(1).trim(), raw };
  const frame: SseFrame = { event: 'message', data: undefined, raw };
  const data: string[] = [];
  for (const line of raw.split('\n')) {
    const colon = line.indexOf(':');
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') data.push(value);
  }
  frame.data = data.length > 0 ? JSON.parse(data.join('\n')) : undefined;
  return frame;
}

/** A Server-Sent Events stream read in the background: frames pile up while the test acts. */
export interface SseCollector {
  frames: SseFrame[];
  /** The first frame `match` accepts, arrived or arriving within `ms`. */
  next(match: (frame: SseFrame) => boolean, ms: number, what: string): Promise<SseFrame>;
  close(): Promise<void>;
}

export function collectSse(response: Response): SseCollector {
  const frames: SseFrame[] = [];
  const reader = response.body!.getReader();
  let wake: (() => void) | undefined;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        frames.push(parseFrame(buffer.slice(0, cut)));
        buffer = buffer.slice(cut + 2);
      }
      wake?.();
    }
  })().catch(() => undefined);
  return {
    frames,
    async next(match, ms, what) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = frames.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${what} within ${ms} ms; last frames: ${frames.slice(-3).map((f) => f.raw).join(' | ')}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 500));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async close() {
      wake = undefined;
      await reader.cancel().catch(() => undefined);
      await reading;
    },
  };
}
