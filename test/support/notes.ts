// NOTES.txt as `helm install` would print it. Helm 3's `install --dry-run=client` still asks a cluster for its
// version, so instead render a copy of the chart in which one extra template evaluates NOTES.txt with tpl.
import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { render, type RenderOptions } from "../../scripts/render.js";
import { chartDir } from "../../scripts/tools.js";

let previewChart: string | undefined;

function notesChart(): string {
  if (previewChart) return previewChart;
  const dir = join(mkdtempSync(join(tmpdir(), "notes-")), "chart");
  cpSync(chartDir, dir, { recursive: true });
  mkdirSync(join(dir, "files"), { recursive: true });
  writeFileSync(join(dir, "files/NOTES.preview"), readFileSync(join(chartDir, "templates/NOTES.txt")));
  writeFileSync(join(dir, "templates/notes-preview.yaml"), 'kind: NotesPreview\nnotes: {{ tpl (.Files.Get "files/NOTES.preview") . | toJson }}\n');
  return (previewChart = dir);
}

export async function renderNotes(o: RenderOptions): Promise<string> {
  const { objects } = await render({ ...o, chart: notesChart() });
  return String(objects.find((x) => x.kind === "NotesPreview")!.notes);
}
