import { mkdtempSync } from "node:fs";
import { execa } from "execa";
import { healthyRelay } from "./doctor-cluster.js";
import { FakeApiServer } from "./fake-kube-apiserver.js";
const s = await new FakeApiServer().start();
const c = healthyRelay(s, "x", { nodes: Number(process.env.NODES ?? 320) });
const kc = c.kubeconfig(mkdtempSync("/tmp/try-"), {
  user: "a",
  rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
});
for (let i = 0; i < 3; i++) {
  const t = Date.now();
  const r = await execa("node", ["dist/terway-relay.js", "doctor", "--kubeconfig", kc, ...process.argv.slice(2)], {
    reject: false,
    env: { KUBECTL_BIN: ".tools/helm4/kubectl" },
  });
  console.log("ms", Date.now() - t, r.exitCode);
}
const t = Date.now();
await execa(".tools/helm4/kubectl", ["version", "--client"]);
console.log("kubectl version ms", Date.now() - t);
const t2 = Date.now();
await execa("node", ["dist/terway-relay.js", "--help"]);
console.log("node --help ms", Date.now() - t2);
await s.stop();
process.exit(0);
