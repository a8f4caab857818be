// Bundles the compiled CLI (dist/scripts/cli.js) into one file, dist/terway-relay.js, the package's bin.
// Why: loading execa's ~100 modules one by one costs ~60 ms per call, more than a whole `helm template`;
// as one pre-linked file it costs ~15 ms, which keeps `render` near the floor of node + helm (npm run bench).
// Dynamic imports stay lazy inside the bundle, so each command still evaluates only what it uses.
import { chmodSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: ["dist/scripts/cli.js"],
  outfile: "dist/terway-relay.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  logLevel: "warning",
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  // The entry keeps its own #! line (scripts/cli.ts), so the bin runs under node even when called directly.
  banner: {
    js: "import { createRequire as __terwayRelayRequire } from 'node:module'; const require = __terwayRelayRequire(import.meta.url);",
  },
});
chmodSync("dist/terway-relay.js", 0o755);
