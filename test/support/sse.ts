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
