#!/usr/bin/env bash
# Times `terway-relay render` against its floor, one Node start plus one `helm template` with the same values,
# side by side in one hyperfine run (ratios, not absolute times: machines here are noisy).
# Needs hyperfine (Debian: apt-get install -y hyperfine). Not part of npm test: timings are not assertions.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { echo "hyperfine not found: apt-get install -y hyperfine" >&2; exit 1; }
npm run --silent build
sets=(--set region=cn-shanghai --set nodeCount=1001)
for major in 3 4; do
  helm=".tools/helm${major}/helm"
  hyperfine -N --warmup 5 --runs "${RUNS:-40}" \
    -n "terway-relay render (helm ${major})" "node dist/terway-relay.js render --helm ${major} ${sets[*]}" \
    -n "floor: node -e 0; helm ${major} template" "sh -c 'node -e 0; ${helm} template terway-relay chart --namespace kube-system ${sets[*]}'"
done
