/** Tiny DOM builder for the renderer: elements from tag, attributes and children; text is never parsed as HTML. */

/** Attributes: strings/numbers become attributes, booleans toggle them, functions become `on…` listeners. */
export type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** A child: a node, text, or nothing. */
export type Child = Node | string | number | null | undefined | false;

/** Creates `<tag>` with `attributes` and `children`; `class` and `data-*` are plain attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** Appends children, skipping empty ones. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** The element with `id`; throws when the page markup lacks it (a build mistake, not a runtime condition). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** A progress bar (role=progressbar) whose fill is sized through CSSOM, which the CSP allows. */
export function progressBar(label: string, testId?: string): { element: HTMLElement; set(fraction: number, text?: string): void } {
  const fill = h('div', { class: 'bar-fill' });
  const element = h('div', { class: 'bar', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'data-testid': testId }, fill);
  return {
    element,
    set(fraction, text) {
      const clamped = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
      fill.style.transform = `scaleX(${clamped})`;
      element.setAttribute('aria-valuenow', String(Math.round(clamped * 100)));
      if (text) element.setAttribute('aria-valuetext', text);
    },
  };
}

/**
 * A button that asks "Sure?" inline on first press and runs `action` on the second (no modal dialogs). `safe` styles it
 * as an ordinary action rather than a destructive one.
 */
export function confirmButton(label: string, question: string, action: () => void, testId?: string, safe = false): HTMLElement {
  const wrapper = h('span', { class: 'confirm' });
  const start = h('button', { type: 'button', class: safe ? 'button' : 'button danger-quiet', 'data-testid': testId }, label);
  const showStart = (): void => replaceChildren(wrapper, start);
  start.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: safe ? 'button primary' : 'button danger', 'data-testid': testId ? `${testId}-confirm` : undefined }, label);
    const no = h('button', { type: 'button', class: 'button' }, 'Cancel');
    yes.addEventListener('click', () => {
      showStart();
      action();
    });
    no.addEventListener('click', () => {
      showStart();
      start.focus();
    });
    replaceChildren(wrapper, h('span', { class: 'confirm-question' }, question), yes, no);
    yes.focus();
  });
  showStart();
  return wrapper;
}
