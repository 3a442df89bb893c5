/** The page's two DOM helpers (no innerHTML anywhere: text is always text). */

/** A new element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== undefined) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The element with this id; throws naming the id when the page lacks it (a bug in the page). */
export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`console page: #${id} missing from the page`);
  return e as T;
}
