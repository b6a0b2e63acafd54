// A small element builder: h('td', { class: 'num' }, 'text', child). Strings become text nodes, never HTML,
// so values from jobs (errors, ids, results) cannot inject markup.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A progress bar: done and failed shares of total, in one track. */
export function progressBar(done, failed, total, big = false) {
  const share = value => (total > 0 ? Math.min(100, (100 * value) / total) : 0);
  const succeeded = share(Math.max(0, done - failed));
  return h('div', { class: big ? 'bar big' : 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done },
    h('span', { class: 'done', style: `width:${succeeded}%` }),
    h('span', { class: 'failed', style: `left:${succeeded}%;width:${share(failed)}%` }));
}

export function badge(phase) {
  return h('span', { class: `badge ${phase}` }, phase);
}
