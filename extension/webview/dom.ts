// A tiny element builder. Text only ever goes in through `textContent` and attributes through
// `setAttribute`, so nothing a prompt, a note or a server answer contains is parsed as HTML.

export type Child = Node | string | null | undefined | false;

export function h(
  tag: string,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/**
 * A button. `disabled` is rendered as `aria-disabled`: the button keeps its place in the tab
 * order and keeps focus across re-renders (a natively disabled one would drop it to the page),
 * and a click on it does nothing.
 */
export function button(
  label: string,
  onClick: () => void,
  attributes: Record<string, string | boolean | undefined> = {},
): HTMLElement {
  const { disabled, ...rest } = attributes;
  const element = h('button', { type: 'button', 'aria-disabled': disabled ? 'true' : undefined, ...rest }, label);
  element.addEventListener('click', () => {
    if (element.getAttribute('aria-disabled') !== 'true') onClick();
  });
  return element;
}

/** What the user has typed or opened in the page, by element id, to carry across a re-render. */
export type ViewState = Map<string, { value?: string; open?: boolean; hidden?: boolean; expanded?: string | null }>;

export function captureViewState(root: HTMLElement): ViewState {
  const kept: ViewState = new Map();
  for (const element of root.querySelectorAll<HTMLElement>('[id]')) {
    if (element instanceof HTMLTextAreaElement || (element instanceof HTMLInputElement && element.type === 'text')) {
      kept.set(element.id, { value: element.value });
    } else if (element instanceof HTMLDetailsElement) {
      kept.set(element.id, { open: element.open });
    } else if (element instanceof HTMLFormElement) {
      kept.set(element.id, { hidden: element.hidden });
    } else if (element.hasAttribute('aria-expanded')) {
      kept.set(element.id, { expanded: element.getAttribute('aria-expanded') });
    }
  }
  return kept;
}

export function restoreViewState(root: HTMLElement, kept: ViewState): void {
  for (const [id, was] of kept) {
    const element = root.querySelector<HTMLElement>(`#${CSS.escape(id)}`);
    if (!element) continue;
    if (was.value !== undefined && (element instanceof HTMLTextAreaElement || element instanceof HTMLInputElement)) {
      element.value = was.value;
    }
    if (was.open !== undefined && element instanceof HTMLDetailsElement) element.open = was.open;
    if (was.hidden !== undefined && element instanceof HTMLFormElement) element.hidden = was.hidden;
    if (was.expanded !== undefined && was.expanded !== null) element.setAttribute('aria-expanded', was.expanded);
  }
}
