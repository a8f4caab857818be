// terway-relay adopt: the kubectl commands that let the release adopt a relay applied by hand from the guide.
import { releaseName, releaseOption } from "./release-option.js";
import { type Command, flag, line } from "./spec.js";
import { checkedValues, valuesInput, valuesOptions } from "./values-options.js";

export const adopt: Command = {
  name: "adopt",
  summary: "print (or with --run, run) the kubectl commands that let the release adopt a relay applied from the guide",
  options: {
    ...valuesOptions,
    ...releaseOption,
    run: {
      type: "boolean",
      help: "run the commands with kubectl against the current context instead of printing them",
    },
  },
  async run(a, io) {
    const release = releaseName(a);
    const values = await checkedValues(await valuesInput(a, io), io);
    const { adoptCommands, formatCommands, runAdopt, serviceNote } = await import("../adopt.js");
    const opts = { release, serviceName: values.typha.serviceName };
    const note = serviceNote(opts);
    if (note) line(io.stderr, `note: ${note}`);
    if (!flag(a, "run")) {
      line(io.stdout, formatCommands(adoptCommands(opts)));
      return 0;
    }
    return (await runAdopt(opts, (l) => line(io.stdout, l))) ? 0 : 1;
  },
};
