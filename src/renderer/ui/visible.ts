/**
 * One IntersectionObserver for every small chart: a chart is drawn only while its row is on
 * screen, so a list of a thousand running containers draws the twenty that can be seen.
 */
type Callback = (visible: boolean) => void;

const callbacks = new Map<Element, Callback>();
let observer: IntersectionObserver | undefined;

export function whenVisible(el: Element, callback: Callback): () => void {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) callbacks.get(entry.target)?.(entry.isIntersecting);
    },
    // A little ahead of scrolling, so that a chart is there when its row arrives.
    { rootMargin: '200px 0px' },
  );
  callbacks.set(el, callback);
  observer.observe(el);
  return () => {
    callbacks.delete(el);
    observer?.unobserve(el);
  };
}
