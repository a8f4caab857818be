#!/usr/bin/env bash
# What one `terway-relay doctor` costs on a big cluster: requests made and wall time against the suite's fake API
# server holding a healthy relay and NODES Linux nodes (default 5000), RUNS runs (default 5), built CLI and
# .tools/helm4/kubectl. Not part of npm test (test/support/bench-doctor.ts does the work).
set -euo pipefail
cd "$(dirname "$0")/../.."
trap 'rm -f test/support/.bench-doctor.mjs' EXIT
# The fake server is TypeScript: bundled beside its sources, whose fixture paths are relative to it.
npx esbuild test/support/bench-doctor.ts --bundle --platform=node --format=esm --log-level=warning \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
  --outfile=test/support/.bench-doctor.mjs
node test/support/.bench-doctor.mjs dist/terway-relay.js .tools/helm4/kubectl
