/**
 * Answers the manager hands out many times unchanged (the snapshot's container list) are marked
 * here, so the REST transport serialises each one once instead of once per request. The mark is
 * a promise by the producer: it never mutates a marked answer, it makes a new one.
 */
const reusable = new WeakSet<object>();
const texts = new WeakMap<object, string>();

export function markReusable<T extends object>(answer: T): T {
  reusable.add(answer);
  return answer;
}

/** JSON text of an answer: cached for a reusable one, computed for any other. */
export function jsonOf(answer: unknown): string {
  if (typeof answer !== 'object' || answer === null || !reusable.has(answer)) return JSON.stringify(answer);
  let text = texts.get(answer);
  if (text === undefined) {
    text = JSON.stringify(answer);
    texts.set(answer, text);
  }
  return text;
}
