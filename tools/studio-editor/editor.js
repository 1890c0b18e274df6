// The trainer studio's editor: CodeMirror 6 with YAML highlighting, line numbers and problems
// marked at their line. `check(text)` returns a Promise of [{line, column, message}] (the studio
// asks the server); CodeMirror's linter calls it once typing pauses (`delay` ms).
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching, foldGutter } from "@codemirror/language";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { yaml } from "@codemirror/lang-yaml";

function toDiagnostics(doc, problems) {
  return problems.map((p) => {
    const number = Math.min(Math.max(p.line || 1, 1), doc.lines);
    const line = doc.line(number);
    const from = Math.min(line.from + Math.max((p.column || 1) - 1, 0), line.to);
    return { from, to: line.to > from ? line.to : from, severity: "error", message: p.message };
  });
}

// The page's Content-Security-Policy allows no inline <style>: inside a shadow root CodeMirror
// puts its styles in constructed style sheets (adoptedStyleSheets), which the policy allows.
const layout = EditorView.theme({
  "&": { height: "100%", backgroundColor: "#fff" },
  ".cm-scroller": { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Noto Sans Mono CJK SC", "WenQuanYi Micro Hei", monospace' },
});

export function create(host, options) {
  const check = options.check || (() => Promise.resolve([]));
  const onChange = options.onChange || (() => {});
  const parent = host.shadowRoot || host.attachShadow({ mode: "open" });
  parent.replaceChildren();
  const view = new EditorView({
    parent,
    root: parent,
    state: EditorState.create({
      doc: options.doc || "",
      extensions: [
        lineNumbers(),
        foldGutter(),
        lintGutter(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        highlightSelectionMatches(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        yaml(),
        layout,
        EditorView.lineWrapping,
        keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
        linter(async (v) => toDiagnostics(v.state.doc, await check(v.state.doc.toString())), { delay: options.delay || 400 }),
        EditorView.updateListener.of((update) => { if (update.docChanged) onChange(update.state.doc.toString()); }),
        EditorView.contentAttributes.of({ "aria-label": options.label || "YAML" }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    goToLine(number) {
      const line = view.state.doc.line(Math.min(Math.max(number, 1), view.state.doc.lines));
      view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
      view.focus();
    },
    relint() { forceLinting(view); },
  };
}
