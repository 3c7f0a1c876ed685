import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * A counter that follows changes of `value` at most once per `ms`, the last change always
 * included: views that read again on container changes do so at a steady pace on a busy engine,
 * where a debounce would starve them.
 */
export function useThrottled(value: unknown, ms: number): number {
  const [count, setCount] = useState(0);
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    if (timer.current !== undefined) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      last.current = Date.now();
      setCount((c) => c + 1);
    }, wait);
  }, [value, ms]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return count;
}
