// terway-relay render: `helm template` of the chart, after every check the chart makes.
import { checkedManifest, renderOptions } from "./render-options.js";
import type { Command } from "./spec.js";

export const render: Command = {
  name: "render",
  summary: "print the chart's manifest for these values (helm template), after checking them as the chart does",
  options: renderOptions,
  async run(a, io) {
    const manifest = await checkedManifest(a, io);
    io.stdout.write(manifest.endsWith("\n") ? manifest : `${manifest}\n`);
    return 0;
  },
};
