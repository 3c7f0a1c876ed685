/**
 * Answers the manager hands out many times unchanged (the snapshot's container list) are marked
 * here, so the REST transport serialises and encodes each one once instead of once per request.
 * The mark is a promise by the producer: it never mutates a marked answer, it makes a new one.
 */
const reusable = new WeakSet<object>();
const bodies = new WeakMap<object, Buffer>();

export function markReusable<T extends object>(answer: T): T {
  reusable.add(answer);
  return answer;
}

/** The UTF-8 JSON body of an answer: kept for a reusable one, computed for any other. */
export function jsonBodyOf(answer: unknown): Buffer {
  if (typeof answer !== 'object' || answer === null || !reusable.has(answer)) {
    return Buffer.from(JSON.stringify(answer) ?? 'null', 'utf8');
  }
  let body = bodies.get(answer);
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(answer), 'utf8');
    bodies.set(answer, body);
  }
  return body;
}
