#!/bin/sh
# `helm test` for terway-relay (templates/tests/typha-test.yaml): the relay is usable, not just installed.
#   relay mode: the Typha Service has at least MIN_READY ready endpoints, and eni-config's KEY names that
#     Service (what Terway's policy container reads as FELIX_TYPHAK8SSERVICENAME);
#   disable-network-policy mode: eni-config's KEY holds WANT.
# Reads only, with kubectl; every input comes from the environment. POSIX sh: it runs in small kubectl images.
set -eu

: "${NAMESPACE:?}" "${MODE:?}" "${CONFIGMAP:?}" "${KEY:?}" "${WANT:?}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ "$MODE" = relay ]; then
  : "${SERVICE:?}" "${MIN_READY:?}"
  ips=$(kubectl -n "$NAMESPACE" get endpoints "$SERVICE" -o jsonpath='{.subsets[*].addresses[*].ip}') ||
    fail "cannot read the endpoints of Service $SERVICE"
  # Word splitting is the point: one word per ready endpoint address.
  # shellcheck disable=SC2086
  set -- $ips
  [ "$#" -ge "$MIN_READY" ] ||
    fail "Service $SERVICE has $# ready Typha endpoints, fewer than $MIN_READY (kubectl -n $NAMESPACE get pods -l k8s-app=calico-typha)"
  echo "ok: Service $SERVICE has $# ready Typha endpoints (at least $MIN_READY)"
fi

got=$(kubectl -n "$NAMESPACE" get configmap "$CONFIGMAP" -o "jsonpath={.data.$KEY}") ||
  fail "cannot read ConfigMap $CONFIGMAP"
[ "$got" = "$WANT" ] || fail "ConfigMap $CONFIGMAP has $KEY=\"$got\", want \"$WANT\""
echo "ok: ConfigMap $CONFIGMAP has $KEY=\"$WANT\""
