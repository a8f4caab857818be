#!/bin/sh
# terway-relay hook: brings Terway's eni-config (kube-system) to the state a chart revision wants, rolls the
# Terway DaemonSet when that state changed, and undoes it on the way out. Run by the hook Jobs
# (templates/hook-jobs.yaml); every input comes from their environment.
#
# The rule: Felix never points at a Typha that is not running and ready.
#   post-install, post-upgrade, post-rollback: wait for Typha (relay mode), then set the owned key, roll, and
#     prove Felix connected;
#   pre-upgrade, pre-rollback: when the coming revision no longer has this Typha (mode switch, Service rename,
#     rollback), point Felix away and finish the roll before Helm deletes Typha;
#   pre-delete: restore, roll and wait, always;
#   pre-install: preflight only, and forget records a --no-hooks uninstall left behind.
#
# POSIX sh plus kubectl, sed, grep and cksum: it must run in small kubectl images (busybox or not), so no jq
# and no awk. kubectl's go-template output does the parsing; JSON Patch copy/remove moves values without the
# shell ever quoting an arbitrary value. Every template guards missing fields with "with": Helm deletes the
# text kubectl prints for a missing field from the chart's files, so this script must never need to match it.
set -eu

: "${PHASE:?PHASE is required}" "${MODE:?MODE is required}"
NAMESPACE=${NAMESPACE:-kube-system}
CONFIGMAP=${CONFIGMAP:-eni-config}
DAEMONSETS=${DAEMONSETS:-terway-eniip terway}
SERVICE_NAME=${SERVICE_NAME:-calico-typha}
TYPHA_DEPLOYMENT=${TYPHA_DEPLOYMENT:-calico-typha}
TYPHA_MIN_READY=${TYPHA_MIN_READY:-3}
TYPHA_VERSION=${TYPHA_VERSION:-}
ALLOW_VERSION_SKEW=${ALLOW_VERSION_SKEW:-false}
FELIX_VERSIONS=${FELIX_VERSIONS:-}
TYPHA_READY_TIMEOUT=${TYPHA_READY_TIMEOUT:-300}
ROLLOUT_TIMEOUT=${ROLLOUT_TIMEOUT:-600}
VERIFY_CONNECTIONS=${VERIFY_CONNECTIONS:-true}
CONNECT_TIMEOUT=${CONNECT_TIMEOUT:-120}
METRICS_PORT=${METRICS_PORT:-9093}
POLL_SECONDS=${POLL_SECONDS:-5}
KUBECTL=${KUBECTL:-kubectl}

# The two eni-config keys this chart may own (facts.md, Terway): relay mode owns the first, disable mode the
# second. Terway's policy container reads them as env at start, so a change needs a restart.
RELAY_KEY=felix_relay_service
DISABLE_KEY=disable_network_policy
KEYS="$RELAY_KEY $DISABLE_KEY"
# Per key, on the ConfigMap: record.KEY = absent | value | ours (a value that already named this chart's
# Service), previous.KEY = the value itself when record is "value".
RECORD=terway-relay/record.
PREVIOUS=terway-relay/previous.
# On each Terway DaemonSet's pod template: checksum of the owned keys' desired values. Changing it is a
# rolling restart (what `kubectl rollout restart` does), and it remembers what the pods were rolled for.
HASH_ANNOTATION=terway-relay/eni-config-hash
# Only exclusive-ENI Terway, which runs no policy engine: named in a refusal, never modified.
ENI_ONLY_DAEMONSET=terway-eni

TMP=${TMPDIR:-${HOME:-/tmp}}/terway-relay.$$
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT

log() { printf '%s\n' "terway-relay $PHASE: $*"; }
warn() { printf '%s\n' "terway-relay $PHASE: WARNING: $*" >&2; }
fail() {
  printf '%s\n' "terway-relay $PHASE: ERROR: $*" >&2
  exit 1
}
kc() { "$KUBECTL" --namespace "$NAMESPACE" "$@"; }

# The key this revision owns and the value it writes come rendered from the chart (OWNED_KEY, OWNED_VALUE).
case "$MODE" in
  relay) expected_key=$RELAY_KEY expected_value=$SERVICE_NAME ;;
  disable-network-policy) expected_key=$DISABLE_KEY expected_value=true ;;
  *) fail "unknown MODE $MODE: expected relay or disable-network-policy" ;;
esac
OWNED_KEY=${OWNED_KEY:-$expected_key}
OWNED_VALUE=${OWNED_VALUE:-$expected_value}
if [ "$OWNED_KEY" != "$expected_key" ] || [ "$OWNED_VALUE" != "$expected_value" ]; then
  fail "mode $MODE writes $expected_key=$expected_value, not $OWNED_KEY=$OWNED_VALUE"
fi
case "$PHASE" in
  pre-install | post-install | post-upgrade | post-rollback | pre-upgrade | pre-rollback | pre-delete) ;;
  *) fail "unknown PHASE $PHASE" ;;
esac

# ---------------------------------------------------------------------------------------------------------
# eni-config. One go-template call prints one line per fact. Values come %q-quoted (one line, Go escapes) so
# they can be compared and checksummed; the shell never writes an arbitrary value back: JSON Patch copy moves
# it between data and annotations. LOCAL_CONFIGMAP=FILE reads and patches a manifest file with
# `kubectl --local` instead of the API server (the test suite's patch checks).

cm_template() {
  t='rv {{with .metadata.resourceVersion}}{{.}}{{end}}{{"\n"}}annotations {{if .metadata.annotations}}yes{{else}}no{{end}}{{"\n"}}'
  t="$t"'data {{if .data}}yes{{else}}no{{end}}{{"\n"}}'
  t="$t"'conf {{with .data}}{{with index . "10-terway.conf"}}{{printf "%q" .}}{{end}}{{end}}{{"\n"}}'
  # shellcheck disable=SC2016 # $v is a go-template variable, not a shell one
  for k in $KEYS; do
    t="$t$k"'.data {{with .data}}{{$v := index . "'"$k"'"}}{{if eq (printf "%T" $v) "string"}}{{printf "%q" $v}}{{else}}-{{end}}{{else}}-{{end}}{{"\n"}}'
    t="$t$k"'.record {{with .metadata.annotations}}{{with index . "'"$RECORD$k"'"}}{{.}}{{end}}{{end}}{{"\n"}}'
    t="$t$k"'.previous {{with .metadata.annotations}}{{$v := index . "'"$PREVIOUS$k"'"}}{{if eq (printf "%T" $v) "string"}}{{printf "%q" $v}}{{else}}-{{end}}{{else}}-{{end}}{{"\n"}}'
  done
  printf '%s' "$t"
}

# Writes the facts to $TMP/cm (empty when the ConfigMap does not exist).
cm_read() {
  if [ -n "${LOCAL_CONFIGMAP:-}" ]; then
    "$KUBECTL" patch --filename "$LOCAL_CONFIGMAP" --local --type merge --patch '{}' --output "go-template=$(cm_template)" >"$TMP/cm"
  else
    kc get configmap "$CONFIGMAP" --ignore-not-found --output "go-template=$(cm_template)" >"$TMP/cm"
  fi
}

cm_patch() { # $1: JSON Patch document
  if [ -n "${LOCAL_CONFIGMAP:-}" ]; then
    "$KUBECTL" patch --filename "$LOCAL_CONFIGMAP" --local --type json --patch "$1" --output yaml >"$TMP/local.yaml"
    cat "$TMP/local.yaml" >"$LOCAL_CONFIGMAP"
  else
    kc patch configmap "$CONFIGMAP" --type json --patch "$1" >/dev/null
  fi
}

fact() { sed -n "s|^$1 ||p" "$TMP/cm" | head -n 1; }
quoted() { printf '"%s"' "$1"; } # only for literals this chart owns: a Service name (DNS label) or "true"
pointer() { printf '%s' "$1" | sed 's|~|~0|g; s|/|~1|g'; } # JSON Pointer escaping (RFC 6901)

# ---------------------------------------------------------------------------------------------------------
# What each key should hold after this phase: set (the mode's value), restore (what was there before the chart
# changed it) or keep. Pre phases run before Helm applies the coming revision: they never point Felix at a Typha
# (it may not be ready yet), they move Felix off a Typha that is going away (mode switch, Service rename,
# rollback), and they may turn policy off (that needs no Typha), so relay -> disable costs one roll, not two.
action_for() { # $1: key, $2: phase
  if [ "$2" = pre-delete ]; then
    echo restore
  elif [ "$1" = "$OWNED_KEY" ]; then
    case "$2" in
      post-*) echo set ;;
      *) if [ "$1" = "$DISABLE_KEY" ] || [ "$(fact "$1.data")" = "$(quoted "$OWNED_VALUE")" ]; then echo set; else echo restore; fi ;;
    esac
  elif [ -n "$(fact "$1.record")" ]; then
    case "$2" in
      post-*) echo restore ;;
      # Policy comes back on in the post phase, in the same roll that points Felix at the relay.
      *) if [ "$1" = "$RELAY_KEY" ]; then echo restore; else echo keep; fi ;;
    esac
  else
    echo keep
  fi
}

# The value (%q-quoted, or - for absent) a key holds after its action.
target_for() { # $1: key, $2: action
  cur=$(fact "$1.data")
  case "$2" in
    set) quoted "$OWNED_VALUE" ;;
    keep) printf '%s\n' "$cur" ;;
    restore)
      case "$(fact "$1.record")" in
        value) fact "$1.previous" ;;
        absent | ours) echo - ;;
        *)
          # Never changed by this release; but once this release's Typha goes away (relay mode) the key must not
          # name its Service (a relay made by hand from the guide, or a record lost to uninstall --no-hooks).
          if [ "$MODE" = relay ] && [ "$1" = "$RELAY_KEY" ] && [ "$cur" = "$(quoted "$SERVICE_NAME")" ]; then echo -; else printf '%s\n' "$cur"; fi
          ;;
      esac
      ;;
  esac
}

# From $TMP/cm: the JSON Patch for this phase in OPS (empty: nothing to change), DESIRED_HASH (checksum of the
# owned keys' values after this phase), CM_CHANGES (keys whose value changes), RESTORED (keys whose record
# is dropped once Terway has rolled).
plan_configmap() {
  OPS=""
  CM_CHANGES=0
  RESTORED=""
  annotations=$(fact annotations)
  data=$(fact data)
  hash_input=""
  for k in $KEYS; do
    action=$(action_for "$k" "$PHASE")
    cur=$(fact "$k.data")
    rec=$(fact "$k.record")
    target=$(target_for "$k" "$action")
    hash_input="$hash_input$k=$target;"
    if [ "$action" = set ] && [ -z "$rec" ]; then
      # Remember what was there, once, in the same patch that changes the key.
      if [ "$annotations" = no ]; then
        OPS="$OPS,{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{}}"
        annotations=yes
      fi
      if [ "$cur" = - ]; then
        state=absent
      elif [ "$k" = "$RELAY_KEY" ] && [ "$cur" = "$(quoted "$SERVICE_NAME")" ]; then
        state=ours
      else
        state=value
        OPS="$OPS,{\"op\":\"copy\",\"from\":\"/data/$k\",\"path\":\"/metadata/annotations/$(pointer "$PREVIOUS$k")\"}"
      fi
      OPS="$OPS,{\"op\":\"add\",\"path\":\"/metadata/annotations/$(pointer "$RECORD$k")\",\"value\":\"$state\"}"
      log "recorded the previous state of $k: $state"
    fi
    if [ "$action" = restore ] && [ -n "$rec" ]; then RESTORED="$RESTORED $k"; fi
    [ "$target" = "$cur" ] && continue
    CM_CHANGES=$((CM_CHANGES + 1))
    if [ "$target" = - ]; then
      OPS="$OPS,{\"op\":\"remove\",\"path\":\"/data/$k\"}"
      log "$k: $cur -> (absent)"
    else
      if [ "$data" = no ]; then
        OPS="$OPS,{\"op\":\"add\",\"path\":\"/data\",\"value\":{}}"
        data=yes
      fi
      if [ "$action" = set ]; then
        OPS="$OPS,{\"op\":\"add\",\"path\":\"/data/$k\",\"value\":$target}"
      else
        OPS="$OPS,{\"op\":\"copy\",\"from\":\"/metadata/annotations/$(pointer "$PREVIOUS$k")\",\"path\":\"/data/$k\"}"
      fi
      log "$k: $cur -> $target"
    fi
  done
  DESIRED_HASH=$(printf '%s' "$hash_input" | cksum | sed 's/ .*//')
}

# The hash the owned keys would have after a given phase (no side effects): what the pods should run with.
targets_hash() { # $1: phase
  input=""
  for k in $KEYS; do input="$input$k=$(target_for "$k" "$(action_for "$k" "$1")");"; done
  printf '%s' "$input" | cksum | sed 's/ .*//'
}

# True when every Terway DaemonSet was last rolled for what the coming revision's post phase wants: then no
# Felix points at anything that is going away, and a pre phase has nothing to do.
pods_match() { # $1: hash
  for ds in $FOUND; do
    current=$(ds_fact "$ds" hash)
    [ "${current%%.*}" = "$1" ] || return 1
  done
  [ -n "$FOUND" ]
}

# Applies OPS (if any) guarded by the resourceVersion that was read: a concurrent writer makes the patch fail
# instead of being overwritten.
apply_ops() {
  [ -n "$OPS" ] || return 0
  rv=$(fact rv)
  case "$rv" in
    '') cm_patch "[${OPS#,}]" ;;
    *) cm_patch "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"$rv\"}$OPS]" ;;
  esac
}

# Drops the records of the given keys (their values are back where the chart found them).
drop_records() { # $@: keys
  [ $# -gt 0 ] || return 0
  cm_read
  OPS=""
  for k in "$@"; do
    [ -n "$(fact "$k.record")" ] && OPS="$OPS,{\"op\":\"remove\",\"path\":\"/metadata/annotations/$(pointer "$RECORD$k")\"}"
    [ "$(fact "$k.previous")" != - ] && OPS="$OPS,{\"op\":\"remove\",\"path\":\"/metadata/annotations/$(pointer "$PREVIOUS$k")\"}"
  done
  apply_ops
}

recorded_keys() {
  for k in $KEYS; do
    if [ -n "$(fact "$k.record")" ] || [ "$(fact "$k.previous")" != - ]; then printf '%s ' "$k"; fi
  done
}

# ---------------------------------------------------------------------------------------------------------
# Terway DaemonSets. One go-template call each: update strategy, hash annotation, the policy (Felix)
# container's image and the eni-config keys it reads, ready pods.

DS_TEMPLATE='strategy {{with .spec.updateStrategy}}{{with .type}}{{.}}{{end}}{{end}}{{"\n"}}hash {{with .spec.template.metadata}}{{with .annotations}}{{with index . "'"$HASH_ANNOTATION"'"}}{{.}}{{end}}{{end}}{{end}}{{"\n"}}ready {{with .status}}{{with .numberReady}}{{.}}{{end}}{{end}}{{"\n"}}{{range .spec.template.spec.containers}}{{if eq .name "policy"}}policy {{.image}}{{"\n"}}{{range .env}}{{with .valueFrom}}{{with .configMapKeyRef}}reads {{.name}}/{{.key}}{{"\n"}}{{end}}{{end}}{{end}}{{end}}{{end}}'

ds_read() { # $1: name; writes $TMP/ds.NAME, empty when it does not exist
  kc get daemonset "$1" --ignore-not-found --output "go-template=$DS_TEMPLATE" >"$TMP/ds.$1"
}
ds_fact() { sed -n "s|^$2 ||p" "$TMP/ds.$1" | head -n 1; }

# "X Y Z" from an image reference's tag (v1.9.0, v1.0.10.333-gfd2b7b8-aliyun), or nothing.
version_of() {
  printf '%s\n' "$1" | sed 's|@.*||; s|.*/||; s|^[^:]*:||' | sed -n 's/^v\{0,1\}\([0-9][0-9]*\)\.\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2 \3/p'
}
version_number() { printf '%s\n' $(($1 * 1000000 + $2 * 1000 + $3)); }
dotted_number() { # "1.5.1" -> 1005001 (no here-document: some shells write those to a read-only /tmp)
  rest=${1#*.}
  version_number "${1%%.*}" "${rest%%.*}" "${rest#*.}"
}

# The Felix version Terway X.Y.Z bundles, from FELIX_VERSIONS ("FROM TO FELIX" lines, FROM <= v < TO).
felix_for() { # $1 $2 $3: Terway version parts
  n=$(version_number "$1" "$2" "$3")
  printf '%s\n' "$FELIX_VERSIONS" | while read -r from to felix; do
    [ -n "$felix" ] || continue
    lo=$(dotted_number "$from")
    hi=$(dotted_number "$to")
    if [ "$n" -ge "$lo" ] && [ "$n" -lt "$hi" ]; then
      printf '%s\n' "$felix"
      break
    fi
  done
}

minor_of() { printf '%s\n' "$1" | sed -n 's/^v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p'; }

# ---------------------------------------------------------------------------------------------------------
# Preflight: every refusal is one sentence, and nothing has been modified when it happens. pre-delete only
# checks what undoing needs: it must not block an uninstall over a check that guards an install.

preflight() {
  cm_read
  if [ ! -s "$TMP/cm" ]; then
    [ "$PHASE" = pre-delete ] && { log "ConfigMap $NAMESPACE/$CONFIGMAP does not exist: nothing to restore"; exit 0; }
    fail "ConfigMap $NAMESPACE/$CONFIGMAP does not exist: this cluster does not run Terway (or hook.configMapName is wrong), nothing was changed."
  fi
  FOUND=""
  for ds in $DAEMONSETS; do
    ds_read "$ds"
    [ -s "$TMP/ds.$ds" ] && FOUND="$FOUND $ds"
  done
  if [ -z "$FOUND" ]; then
    [ "$PHASE" = pre-delete ] && { warn "no Terway DaemonSet ($DAEMONSETS) left in $NAMESPACE: eni-config is restored but no pod is restarted"; return 0; }
    if [ -n "$(kc get daemonset "$ENI_ONLY_DAEMONSET" --ignore-not-found --output name)" ]; then
      fail "only DaemonSet $ENI_ONLY_DAEMONSET (exclusive ENI) runs Terway here, and it runs no policy engine, so there is no Felix for this chart to configure; nothing was changed."
    fi
    fail "no Terway DaemonSet named $(echo "$DAEMONSETS" | sed 's/ / or /g') in $NAMESPACE (set hook.terwayDaemonSets to its name); nothing was changed."
  fi
  for ds in $FOUND; do
    image=$(ds_fact "$ds" policy)
    [ -n "$image" ] || fail "DaemonSet $ds has no policy container, so it runs no Felix (exclusive ENI or a policy-less Terway): this chart has nothing to configure; nothing was changed."
  done
  if [ "$PHASE" != pre-delete ]; then
    conf=$(fact conf)
    engine=""
    printf '%s' "$conf" | grep -Eiq 'network_policy_provider\\"[[:space:]]*:[[:space:]]*\\"ebpf\\"' && engine='network_policy_provider "ebpf"'
    printf '%s' "$conf" | grep -Eiq 'eniip_virtual_type\\"[[:space:]]*:[[:space:]]*\\"(ipvlan|datapathv2)\\"' && engine="eniip_virtual_type $(printf '%s' "$conf" | grep -Eio 'eniip_virtual_type\\"[[:space:]]*:[[:space:]]*\\"[a-z0-9]*' | sed 's/.*\\"//')"
    [ -z "$engine" ] || fail "eni-config 10-terway.conf selects $engine, so Terway runs Cilium (eBPF) instead of Felix and Typha would do nothing; nothing was changed."
    for ds in $FOUND; do
      grep -qx "reads $CONFIGMAP/$OWNED_KEY" "$TMP/ds.$ds" ||
        fail "DaemonSet $ds ($(ds_fact "$ds" policy)) does not read $OWNED_KEY from $CONFIGMAP in its policy container: upgrade Terway first (the guide's step 2); nothing was changed."
    done
  fi
  for ds in $FOUND; do
    strategy=$(ds_fact "$ds" strategy)
    case "$strategy" in
      RollingUpdate | '') ;; # the API server defaults it to RollingUpdate
      *) fail "DaemonSet $ds uses updateStrategy $strategy: Terway could not be restarted as a watched rolling update, so set it to RollingUpdate; nothing was changed." ;;
    esac
  done
  if [ "$MODE" = relay ] && [ "$PHASE" != pre-delete ]; then check_versions; fi
}

check_versions() {
  typha_minor=$(minor_of "$TYPHA_VERSION")
  for ds in $FOUND; do
    image=$(ds_fact "$ds" policy)
    v=$(version_of "$image")
    felix=""
    # shellcheck disable=SC2086 # "X Y Z": three arguments
    [ -z "$v" ] || felix=$(felix_for $v)
    if [ -z "$felix" ]; then
      warn "Terway image $image is not in the Felix version table: cannot check that Typha $TYPHA_VERSION matches its Felix; check it yourself (README, Choosing the Typha version)"
      continue
    fi
    if [ -z "$typha_minor" ]; then
      warn "Typha tag $TYPHA_VERSION is not a version: cannot check it against Felix $felix (Terway $image)"
    elif [ "$typha_minor" != "$(minor_of "$felix")" ]; then
      if [ "$ALLOW_VERSION_SKEW" = true ]; then
        warn "Typha $TYPHA_VERSION does not match Felix $felix of Terway $image (allowed by typha.allowVersionSkew)"
      else
        fail "Typha $TYPHA_VERSION does not match Felix $felix bundled with Terway $image: set typha.image.tag=$felix (or typha.allowVersionSkew=true to accept the skew); nothing was changed."
      fi
    else
      log "Typha $TYPHA_VERSION matches Felix $felix of Terway $image"
    fi
  done
}

# ---------------------------------------------------------------------------------------------------------
# Typha must be ready before Felix is pointed at it: ready replicas (a Deployment is Available with fewer) and
# ready addresses behind the Service Felix resolves.

now() { date +%s; }

typha_endpoints() {
  kc get endpoints "$SERVICE_NAME" --ignore-not-found --output 'go-template={{range .subsets}}{{range .addresses}}{{.ip}}{{"\n"}}{{end}}{{end}}'
}

WAITED=false
wait_for_typha() {
  deadline=$(($(now) + TYPHA_READY_TIMEOUT))
  while :; do
    ready=$(kc get deployment "$TYPHA_DEPLOYMENT" --ignore-not-found --output 'go-template={{with .status}}{{with .readyReplicas}}{{.}}{{end}}{{end}}')
    ready=${ready:-0}
    TYPHA_IPS=$(typha_endpoints)
    endpoints=$(printf '%s' "$TYPHA_IPS" | grep -c . || true)
    if [ "$ready" -ge "$TYPHA_MIN_READY" ] && [ "$endpoints" -ge "$TYPHA_MIN_READY" ]; then
      log "Typha is ready: $ready ready replicas, $endpoints ready endpoints behind Service $SERVICE_NAME (need $TYPHA_MIN_READY)"
      return 0
    fi
    if [ "$(now)" -ge "$deadline" ]; then
      fail "Typha was not ready within ${TYPHA_READY_TIMEOUT}s ($ready ready replicas of deployment/$TYPHA_DEPLOYMENT, $endpoints ready endpoints behind Service $SERVICE_NAME, need $TYPHA_MIN_READY): eni-config was not changed, Felix still works as before."
    fi
    log "waiting for Typha: $ready ready replicas, $endpoints ready endpoints (need $TYPHA_MIN_READY)"
    WAITED=true
    sleep "$POLL_SECONDS"
  done
}

# ---------------------------------------------------------------------------------------------------------
# Restart: decided per DaemonSet from the hash on its pod template, not from whether this run's patch changed
# anything, so a retried Job still restarts and a no-op upgrade restarts nothing. A key that changed under an
# unchanged hash (eni-config rewritten by someone else) forces a roll with a suffixed value.

roll_terway() {
  for ds in $FOUND; do
    current=$(ds_fact "$ds" hash)
    value=""
    if [ -z "$current" ] && [ "$CM_CHANGES" -eq 0 ] && [ "${PHASE#pre-}" != "$PHASE" ]; then
      # Never rolled by this chart and nothing changed now (an install that failed before its first change):
      # the pods still run with the eni-config they started with, so undoing needs no restart.
      value=""
    elif [ "${current%%.*}" != "$DESIRED_HASH" ]; then
      value=$DESIRED_HASH
    elif [ "$CM_CHANGES" -gt 0 ]; then
      value="$DESIRED_HASH.$(now)"
    fi
    if [ -n "$value" ]; then
      log "rolling restart of daemonset/$ds (its own maxUnavailable): $HASH_ANNOTATION ${current:-(none)} -> $value"
      kc patch daemonset "$ds" --type merge --patch "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"$HASH_ANNOTATION\":\"$value\"}}}}}" >/dev/null
      RESTARTS=$((RESTARTS + 1))
    else
      log "daemonset/$ds already runs with this eni-config ($HASH_ANNOTATION=$current): no restart"
    fi
  done
  for ds in $FOUND; do
    kc rollout status "daemonset/$ds" --timeout "${ROLLOUT_TIMEOUT}s" ||
      fail "daemonset/$ds did not finish rolling out within ${ROLLOUT_TIMEOUT}s: see kubectl -n $NAMESPACE rollout status daemonset/$ds, then retry (helm upgrade) or undo by hand (README)."
  done
}

# ---------------------------------------------------------------------------------------------------------
# Proof: a ready policy container only means its port 9099 answers; Typha's own metrics count the Felix
# connections. The metrics port is read straight from each ready Typha (hostNetwork: the node's address),
# with kubectl as the HTTP client and an empty kubeconfig, so no credential is sent there.

typha_connections() { # sums typha_connections_active over the ready Typhas found by wait_for_typha
  printf 'apiVersion: v1\nkind: Config\n' >"$TMP/metrics.kubeconfig"
  total=""
  for ip in $TYPHA_IPS; do
    case "$ip" in *:*) host="[$ip]" ;; *) host=$ip ;; esac
    if out=$("$KUBECTL" --kubeconfig "$TMP/metrics.kubeconfig" --server "http://$host:$METRICS_PORT" --request-timeout 10s get --raw /metrics 2>"$TMP/metrics.err"); then
      n=0
      for v in $(printf '%s\n' "$out" | sed -n 's/^typha_connections_active\({[^}]*}\)\{0,1\} \([0-9][0-9.]*\).*/\2/p'); do
        n=$((n + ${v%%.*}))
      done
      total=$((${total:-0} + n))
    else
      warn "could not read Typha metrics at $host:$METRICS_PORT: $(head -n 1 "$TMP/metrics.err")"
    fi
  done
  printf '%s\n' "$total"
}

verify_felix() {
  if [ "$VERIFY_CONNECTIONS" != true ]; then
    log "not checking Felix connections (hook.verifyFelixConnections=false)"
    return 0
  fi
  expected=0
  for ds in $FOUND; do
    r=$(ds_fact "$ds" ready) # as read before the roll: a finished roll has at least as many ready pods
    expected=$((expected + ${r:-0}))
  done
  deadline=$(($(now) + CONNECT_TIMEOUT))
  while :; do
    connected=$(typha_connections)
    if [ -n "$connected" ] && [ "$connected" -ge "$expected" ]; then
      log "Felix connected to Typha: $connected connections for $expected ready Terway pods"
      return 0
    fi
    if [ "$(now)" -ge "$deadline" ]; then
      if [ -z "$connected" ]; then
        fail "could not read any Typha's metrics on port $METRICS_PORT within ${CONNECT_TIMEOUT}s, so nothing proves Felix reached Typha: check that the port is reachable from pods (security group), or set hook.verifyFelixConnections=false."
      elif [ "$connected" -eq 0 ]; then
        fail "NO Felix connected to Typha within ${CONNECT_TIMEOUT}s (0 connections for $expected ready Terway pods): check the policy container logs (kubectl -n $NAMESPACE logs ds/${FOUND# } -c policy) and Typha's."
      fi
      warn "only $connected Typha connections for $expected ready Terway pods after ${CONNECT_TIMEOUT}s: some Felix have not connected yet"
      return 0
    fi
    log "Felix connections so far: ${connected:-unknown} of $expected"
    sleep "$POLL_SECONDS"
  done
}

# ---------------------------------------------------------------------------------------------------------

summary() {
  log "done: $CM_CHANGES eni-config key(s) changed, $RESTARTS DaemonSet(s) restarted"
}

RESTARTS=0

if [ -n "${LOCAL_CONFIGMAP:-}" ]; then
  # The ConfigMap step alone, on a file: record, patch, and drop records of restored keys.
  cm_read
  plan_configmap
  apply_ops
  # shellcheck disable=SC2086 # word splitting of the key list is intended
  drop_records $RESTORED
  exit 0
fi

log "mode $MODE, eni-config key $OWNED_KEY=$OWNED_VALUE, Terway DaemonSets: $DAEMONSETS"
preflight

if [ "$PHASE" = pre-install ]; then
  # The release does not exist yet, so any record is stale: an earlier release was uninstalled with
  # --no-hooks. Forget it; post-install records the present state, where our Service name counts as "ours".
  stale=$(recorded_keys)
  if [ -n "$stale" ]; then
    warn "forgetting records an earlier release left on $CONFIGMAP (uninstalled with --no-hooks?) for: $stale"
    # shellcheck disable=SC2086
    drop_records $stale
  fi
  log "preflight passed"
  exit 0
fi

case "$PHASE" in
  pre-upgrade | pre-rollback)
    if pods_match "$(targets_hash post-upgrade)"; then
      log "Terway already runs with what the coming revision wants: nothing to do before Helm applies it"
      exit 0
    fi
    ;;
  post-*)
    if [ "$MODE" = relay ]; then
      wait_for_typha
      if [ "$WAITED" = true ]; then cm_read; fi # read again after waiting
    fi
    ;;
esac

plan_configmap
apply_ops
if [ -n "$FOUND" ]; then roll_terway; fi
case "$PHASE" in post-*) if [ "$MODE" = relay ] && [ -n "$FOUND" ]; then verify_felix; fi ;; esac
# shellcheck disable=SC2086
drop_records $RESTORED
summary
