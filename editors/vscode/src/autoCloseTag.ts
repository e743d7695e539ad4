// Auto-closing of XML tags: typing the `>` of `<dict>` inserts `</dict>` after the cursor.
// Pure helpers here; the editor wiring is in extension.ts.

const OPEN_TAG_AT_END = /<([A-Za-z_][\w.:-]*)(?:\s+[^<>]*?)?>$/;

/**
 * Given the text of a line up to and including a `>` the user just typed, and the text after the
 * cursor, returns the closing tag to insert (e.g. `</dict>`), or undefined.
 */
export function closingTagFor(before: string, after: string): string | undefined {
  if (!before.endsWith('>') || before.endsWith('/>') || before.endsWith('->') || before.endsWith('?>')) {
    return undefined;
  }
  const m = OPEN_TAG_AT_END.exec(before);
  if (!m) {
    return undefined;
  }
  // Do not close inside an attribute value or a comment on the same line.
  const open = before.slice(0, m.index);
  const lastCommentOpen = open.lastIndexOf('<!--');
  if (lastCommentOpen >= 0 && open.indexOf('-->', lastCommentOpen) < 0) {
    return undefined;
  }
  const attrs = m[0];
  const quotes = (attrs.match(/"/g) ?? []).length + (attrs.match(/'/g) ?? []).length;
  if (quotes % 2 !== 0) {
    return undefined;
  }
  const name = m[1];
  const closing = `</${name}>`;
  if (after.trimStart().startsWith(closing)) {
    return undefined;
  }
  return closing;
}
