// terway-relay check-image: render the chart for these values, then ask each image's registry whether it serves the
// rendered Typha and autoscaler tags (scripts/image-check.ts). A tag ACK's registry does not serve otherwise shows
// only at install, as pods that never pull.
import { typhaName } from "../chart-defines.js";
import { checkedManifest, renderOptions } from "./render-options.js";
import { type Command, UsageError, flag, line, str } from "./spec.js";

export const checkImage: Command = {
  name: "check-image",
  summary:
    "render the chart for these values and ask the registry whether it serves the Typha and autoscaler images; exit 1 unless all are present",
  options: {
    ...renderOptions,
    "registry-endpoint": {
      type: "string",
      arg: "as-rendered|public",
      help: "public: ask registry.<region>.aliyuncs.com for images rendered from registry-vpc.<region>.aliyuncs.com (outside the VPC)",
    },
    "plain-http": { type: "boolean", help: "talk HTTP instead of HTTPS to the registry (a local registry)" },
  },
  async run(a, io) {
    const endpoint = str(a, "registry-endpoint") ?? "as-rendered";
    if (endpoint !== "as-rendered" && endpoint !== "public")
      throw new UsageError(`--registry-endpoint must be as-rendered or public, got ${JSON.stringify(endpoint)}`);
    const manifest = await checkedManifest(a, io);
    const [{ parseManifests }, { checkImage: ask, parseImageRef, publicEndpoint }] = await Promise.all([
      import("../render.js"),
      import("../image-check.js"),
    ]);
    // The images of the Deployments the chart renders: Typha's, and the autoscaler's when it is enabled.
    const images = parseManifests(manifest)
      .filter((o) => o.kind === "Deployment")
      .flatMap((d) => {
        const spec = d.spec as { template: { spec: { containers: { name: string; image: string }[] } } };
        return spec.template.spec.containers.map((c) => ({ deployment: d.metadata.name, ...c }));
      });
    if (images.length === 0) {
      line(io.stdout, "no images to check: these values render no Typha (mode disable-network-policy)");
      return 0;
    }
    const answers = await Promise.all(
      images.map(({ image }) => {
        const host = parseImageRef(image)?.host;
        return ask(image, {
          plainHttp: flag(a, "plain-http"),
          host: endpoint === "public" && host ? publicEndpoint(host) : undefined,
        });
      }),
    );
    answers.forEach((r, i) => {
      line(io.stdout, `${r.status} ${r.image} (Deployment ${images[i].deployment}): ${r.detail}`);
    });
    if (answers.some((r, i) => r.status === "absent" && images[i].deployment === typhaName()))
      line(
        io.stdout,
        "a Typha tag the registry lacks fails the install: mirror calico/typha at the tag that matches Terway's Felix into your registry and set typha.image.registry and typha.image.repository (docs/versions.md)",
      );
    return answers.every((r) => r.status === "present") ? 0 : 1;
  },
};
