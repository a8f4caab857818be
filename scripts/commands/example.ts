// terway-relay example (`npm start`): render the built-in example and print its plan; no cluster needed.
import { type Command, line } from "./spec.js";
import { checkedValues } from "./values-options.js";
import { typhaAssumption } from "./plan.js";

export const example: Command = {
  name: "example",
  summary: "render examples/values-1000-nodes.yaml and print its objects and plan (npm start)",
  options: {},
  async run(_a, io) {
    const [{ resolveFromRoot }, { render }, { plan, formatPlan }] = await Promise.all([
      import("../tools.js"),
      import("../render.js"),
      import("../plan.js"),
    ]);
    const file = resolveFromRoot("examples/values-1000-nodes.yaml");
    const values = await checkedValues({ files: [file] }, io);
    const r = await render({ files: [file], env: io.env });
    const typha = await typhaAssumption(values.typha.image.tag, "typha.image.tag is empty");
    const p = plan({
      nodeCount: values.nodeCount,
      replicas: values.typha.replicas,
      maxReplicas: values.typha.maxReplicas,
      ...values.typha.replicaRule,
      typhaVersion: typha.version,
    });
    const out = [`# terway-relay example: ${file}`, `# rendered ${r.objects.length} objects:`];
    for (const o of r.objects)
      out.push(
        `#   ${o.apiVersion} ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`,
      );
    out.push(`# plan:`, formatPlan(p).replace(/^/gm, "#   "));
    if (typha.note) out.push(`#   note: ${typha.note}`);
    out.push(`# full manifest: npx terway-relay render -f examples/values-1000-nodes.yaml`);
    line(io.stdout, out.join("\n"));
    return 0;
  },
};
