// terway-relay validate: every check the chart makes (schema, rules between values, namespace), without Helm.
import { type Command, UsageError, line, str } from "./spec.js";
import {
  checkedValues,
  namespaceOption,
  terwayArg,
  terwayOption,
  valuesInput,
  valuesOptions,
} from "./values-options.js";

export const validate: Command = {
  name: "validate",
  summary: "check values files and flags as the chart would, without Helm; exit 1 listing every problem",
  options: { ...valuesOptions, namespace: namespaceOption, "terway-version": terwayOption },
  positionals: { usage: "[FILE...]", help: "values files, like -f FILE" },
  async run(a, io) {
    const terway = await terwayArg(a);
    const input = await valuesInput(a, io, a.positionals);
    const given = [input.files, input.sets, input.setStrings, input.setJsons, input.setFiles].some((l) => l?.length);
    if (!given) throw new UsageError("validate needs values: give a values file, -f FILE or --set K=V");
    await checkedValues(input, io, str(a, "namespace"), terway);
    line(io.stdout, `valid: ${input.files?.length ? input.files.join(", ") : "the values given"}`);
    return 0;
  },
};
