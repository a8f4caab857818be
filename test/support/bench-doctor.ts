// What one `terway-relay doctor` costs on a big cluster (scripts/build/bench-doctor.sh, npm run bench:doctor): the
// suite's fake API server holding a healthy relay release and NODES Linux nodes, doctor run RUNS times through the
// built CLI and the real kubectl. Prints the requests each run made (by resource), the bytes served, and wall times.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { healthyRelay } from "./doctor-cluster.js";
import { FakeApiServer } from "./fake-kube-apiserver.js";

const nodes = Number(process.env.NODES ?? 5000);
const runs = Number(process.env.RUNS ?? 5);
const [cli, kubectl] = process.argv.slice(2);
const server = await new FakeApiServer().start();
const c = healthyRelay(server, "bench", { nodes });
const dir = mkdtempSync(join(tmpdir(), "bench-doctor-"));
const kubeconfig = c.kubeconfig(dir, { user: "bench", rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] });
const walls: number[] = [];
for (let i = 0; i < runs; i++) {
  const before = c.requests.length;
  const start = process.hrtime.bigint();
  const r = await execa("node", [cli, "doctor", "--json", "--kubeconfig", kubeconfig], {
    env: { ...process.env, KUBECTL_BIN: kubectl, HOME: dir },
    reject: false,
  });
  walls.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (r.exitCode !== 0) throw new Error(`doctor exited ${r.exitCode}: ${r.stdout}${r.stderr}`);
  if (i === 0) {
    const made = c.requests.slice(before);
    const by = new Map<string, number>();
    for (const q of made) by.set(`${q.verb} ${q.resource}`, (by.get(`${q.verb} ${q.resource}`) ?? 0) + 1);
    console.log(
      `${nodes} nodes: ${made.length} requests (+ GET /version): ${[...by].map(([k, v]) => `${v} ${k}`).join(", ")}`,
    );
  }
}
walls.sort((a, b) => a - b);
console.log(
  `wall over ${runs} runs: min ${walls[0].toFixed(0)} ms, median ${walls[Math.floor(runs / 2)].toFixed(0)} ms, max ${walls.at(-1)!.toFixed(0)} ms`,
);
await server.stop();
process.exit(0);
