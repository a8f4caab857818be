#!/usr/bin/env bash
# What one install costs the API server and helm: `helm template --dry-run=server` (the render `helm install` does)
# against the suite's fake API server holding NODES Linux nodes (default 5000) and Terway's DaemonSet, for this
# chart and, side by side, for the chart at REF (default 2889e40, before one-lookup-per-fact). Prints the requests
# each render made, peak memory (/usr/bin/time -v) and times (hyperfine when installed). Not part of npm test.
set -euo pipefail
cd "$(dirname "$0")/../.."
nodes=${NODES:-5000}; ref=${REF:-2889e40}; runs=${RUNS:-5}
work=$(mktemp -d); trap 'rm -rf "$work" test/support/.serve-fake-cluster.mjs' EXIT
git archive "$ref" chart | tar -x -C "$work" && mv "$work/chart" "$work/chart-before"
# The fake server is TypeScript: bundled beside its sources, whose fixture paths are relative to it.
npx esbuild test/support/serve-fake-cluster.ts --bundle --platform=node --format=esm --log-level=warning \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
  --outfile=test/support/.serve-fake-cluster.mjs
mkfifo "$work/in"
node test/support/.serve-fake-cluster.mjs "$nodes" "$work" <"$work/in" >"$work/server.log" &
exec 3>"$work/in"
until grep -q '^ready' "$work/server.log"; do sleep 0.2; done
kc="$work/kubeconfig-1"
for major in 3 4; do
  helm=".tools/helm${major}/helm"
  for chart in "$work/chart-before" chart; do
    render=("$helm" template terway-relay "$chart" -n kube-system --set region=cn-hangzhou --dry-run=server --kubeconfig "$kc")
    before=$(wc -l <"$work/server.log")
    HOME=$work /usr/bin/time -v "${render[@]}" >/dev/null 2>"$work/time.txt"
    served=$(tail -n +"$((before + 1))" "$work/server.log")
    echo "helm ${major}, $([ "$chart" = chart ] && echo this chart || echo "chart at $ref"), $nodes nodes:" \
      "$(grep -c '^GET /api/v1/nodes' <<<"$served") node LISTs, $(grep -c '/daemonsets/' <<<"$served") DaemonSet GETs," \
      "$(grep -E 'Maximum resident' "$work/time.txt" | sed 's/.*: //') KB peak RSS," \
      "$(grep -E 'Elapsed' "$work/time.txt" | sed 's/.*: //') wall"
  done
  if command -v hyperfine >/dev/null; then
    HOME=$work hyperfine -N --warmup 1 --runs "$runs" \
      -n "helm ${major}, chart at ${ref}" "$helm template terway-relay $work/chart-before -n kube-system --set region=cn-hangzhou --dry-run=server --kubeconfig $kc" \
      -n "helm ${major}, this chart" "$helm template terway-relay chart -n kube-system --set region=cn-hangzhou --dry-run=server --kubeconfig $kc"
  fi
done
