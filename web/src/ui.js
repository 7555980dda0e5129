// Small DOM helpers: elements are built with textContent (never innerHTML), so names from the API cannot inject markup.

/** h("button", {class: "x", onclick}, "text", child) -> element. Attributes starting with "on" become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let uid = 0;
/** A unique element id (labels point at their controls with it). */
export const newId = (prefix = "f") => `${prefix}-${++uid}`;

/** A labelled form field: <div class="field"><label for>text</label><control id>[<small>hint</small>]</div>. */
export function field(label, control, hint) {
  control.id ||= newId();
  const hintEl = hint ? h("small", { id: newId("hint") }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hintEl);
}

/** A labelled checkbox. */
export function checkbox(label, checked, attrs = {}) {
  const input = h("input", { type: "checkbox", id: newId(), ...attrs });
  input.checked = !!checked;
  return { input, el: h("div", { class: "check" }, input, h("label", { for: input.id }, label)) };
}

/** A <select> of [value, text] pairs. */
export function select(options, value, attrs = {}) {
  const el = h("select", attrs, options.map(([v, text]) => h("option", { value: String(v) }, text)));
  if (value !== undefined) el.value = String(value);
  return el;
}

/** A table with a caption: rows are arrays of cells (strings or nodes). */
export function table(caption, headers, rows, attrs = {}) {
  return h("table", attrs,
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))),
  );
}

/** A section with a heading. */
export function section(title, ...children) {
  const id = newId("sec");
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** A message in words inside a page (role=status for news, role=alert for problems). */
export function notice(text, kind = "info") {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/** Replaces a container's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A "Copy" button for a text (clipboard when allowed, else selects the text field next to it). */
export function copyButton(getText, label = "Copy") {
  const button = h("button", { type: "button", class: "secondary" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy (Ctrl+C)";
    }
    setTimeout(() => (button.textContent = label), 2000);
  });
  return button;
}
