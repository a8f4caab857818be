#!/bin/sh
# `helm test` for terway-relay (templates/tests/typha-test.yaml): the relay is usable, not just installed.
#   relay mode: the Typha Service SERVICE_NAME has at least TYPHA_MIN_READY ready endpoints, and eni-config's
#     OWNED_KEY names that Service (what Terway's policy container reads as FELIX_TYPHAK8SSERVICENAME);
#   disable-network-policy mode: eni-config's OWNED_KEY holds OWNED_VALUE.
# Reads only, with kubectl; every input comes from the environment, under the names the eni-config hook
# (relay-hook.sh) uses for the same facts. POSIX sh: it runs in small kubectl images.
set -eu

: "${NAMESPACE:?}" "${MODE:?}" "${CONFIGMAP:?}" "${OWNED_KEY:?}" "${OWNED_VALUE:?}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ "$MODE" = relay ]; then
  : "${SERVICE_NAME:?}" "${TYPHA_MIN_READY:?}"
  ips=$(kubectl -n "$NAMESPACE" get endpoints "$SERVICE_NAME" -o jsonpath='{.subsets[*].addresses[*].ip}') ||
    fail "cannot read the endpoints of Service $SERVICE_NAME"
  # Word splitting is the point: one word per ready endpoint address.
  # shellcheck disable=SC2086
  set -- $ips
  [ "$#" -ge "$TYPHA_MIN_READY" ] ||
    fail "Service $SERVICE_NAME has $# ready Typha endpoints, fewer than $TYPHA_MIN_READY (kubectl -n $NAMESPACE get pods -l k8s-app=calico-typha)"
  echo "ok: Service $SERVICE_NAME has $# ready Typha endpoints (at least $TYPHA_MIN_READY)"
fi

got=$(kubectl -n "$NAMESPACE" get configmap "$CONFIGMAP" -o "jsonpath={.data.$OWNED_KEY}") ||
  fail "cannot read ConfigMap $CONFIGMAP"
[ "$got" = "$OWNED_VALUE" ] || fail "ConfigMap $CONFIGMAP has $OWNED_KEY=\"$got\", want \"$OWNED_VALUE\""
echo "ok: ConfigMap $CONFIGMAP has $OWNED_KEY=\"$OWNED_VALUE\""
