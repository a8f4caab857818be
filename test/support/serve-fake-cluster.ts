// A fake API server holding N Linux nodes and Terway's terway-eniip DaemonSet, kept running for benchmarks
// (scripts/build/bench-lookups.sh): node serve-fake-cluster.mjs <nodes> <dir> writes <dir>/kubeconfig (an identity allowed
// everything), prints "ready", then one line per resource request it serves ("GET /api/v1/nodes"), until stdin
// closes.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { FakeApiServer, type Obj } from "./fake-kube-apiserver.js";
import { linuxNodes } from "./fake-nodes.js";

const [nodes, dir] = [Number(process.argv[2]), process.argv[3]];
const server = await new FakeApiServer().start();
const cluster = server.cluster("bench");
for (const n of linuxNodes(nodes)) cluster.put(n);
cluster.put(yaml.load(readFileSync(new URL("../fixtures/terway/terway-eniip.yaml", import.meta.url), "utf8")) as Obj);
const kubeconfig = cluster.kubeconfig(dir, {
  user: "bench",
  rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
});
cluster.onRequest = (r) => console.log(`${r.method} ${r.url}`);
console.log(`ready ${kubeconfig}`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.stop();
  process.exit(0);
});
