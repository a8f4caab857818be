// The generators' one way to write into a hand-written file: replace what lies between two marker lines.

/** `text` with the lines between its `start` and `end` markers (`<!-- name:start -->` ... by default) replaced by
 * `content`; `file` names the file in the error when the markers are missing. */
export function replaceBlock(
  text: string,
  name: string,
  content: string,
  [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`],
  file = "the file",
): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file} has no ${start.trim()} ... ${end.trim()} block`);
  return `${text.slice(0, i + start.length)}\n${content}\n${text.slice(j)}`;
}
