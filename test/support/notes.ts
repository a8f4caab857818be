// NOTES.txt as `helm install` would print it. Helm 3's `install --dry-run=client` still asks a cluster for its
// version, so instead render a copy of the chart in which one extra template evaluates NOTES.txt with tpl.
import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RenderOptions } from "../../scripts/render.js";
import { render } from "./renders.js";
import { chartDir } from "../../scripts/tools.js";

const previewCharts = new Map<string, string>();

/** A preview copy of `source` (the chart, or a test's modified copy of it). */
function notesChart(source = chartDir): string {
  const cached = previewCharts.get(source);
  if (cached) return cached;
  const dir = join(mkdtempSync(join(tmpdir(), "notes-")), "chart");
  cpSync(source, dir, { recursive: true });
  mkdirSync(join(dir, "files"), { recursive: true });
  writeFileSync(join(dir, "files/NOTES.preview"), readFileSync(join(chartDir, "templates/NOTES.txt")));
  writeFileSync(
    join(dir, "templates/notes-preview.yaml"),
    'kind: NotesPreview\nnotes: {{ tpl (.Files.Get "files/NOTES.preview") . | toJson }}\n',
  );
  previewCharts.set(source, dir);
  return dir;
}

const notesRenders = new Map<string, Promise<string>>();

/** NOTES for these options, rendered once per worker (as renderObjects caches renders). */
export function renderNotes(o: RenderOptions): Promise<string> {
  const key = JSON.stringify(o);
  let notes = notesRenders.get(key);
  if (!notes) {
    notes = render({ ...o, chart: notesChart(o.chart) }).then(({ objects }) =>
      String(objects.find((x) => x.kind === "NotesPreview")!.notes),
    );
    notesRenders.set(key, notes);
  }
  return notes;
}
