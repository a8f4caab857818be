{{/*
What Typha reads and writes through the API server, by Typha release line: the one table the dedicated ClusterRole
(typha.serviceAccount.create=true) is rendered from. A list Typha is refused retries forever. From v3.21 readiness
waits for every syncer cache (projectcalico/typha 5a62a92, first in v3.21.0: each cache reports under its syncer
type's HealthName; projectcalico/calico v3.24.5 typha/pkg/daemon/daemon.go), so at v3.24 a missing row leaves Typha
unready for good. At v3.5.8 and v3.20.2 every cache reports under the one name "cache" (projectcalico/typha
pkg/snapcache/cache.go at those tags), so readiness flips with whichever cache reported last. Upstream ran Typha as
calico-node until tigera/operator gave it its own role (pkg/render/typha.go, typhaRole); every row here is also
granted there (v1.20.4 for Calico v3.20.2, v1.28.5 for v3.24.5) or, for v3.5, in calico-node's role (calico v3.5.8
_includes/v3.5/manifests/rbac.yaml). The operator also grants what calico-node and the CNI plugin need (IPAM writes,
pods/status, nodes/status); Typha calls none of them, so they are left out.
Sources, per release line: Typha v3.5.8 (projectcalico/typha v3.5.8, libcalico-go aae6c757 from its glide.lock),
v3.20.2 (projectcalico/typha v3.20.2, libcalico-go 8f238d19 from its go.mod), v3.24.5 (projectcalico/calico v3.24.5).
*/}}
{{- define "terway-relay.typhaRbacTable" -}}
rules:
  # Felix and BGP syncers list/watch nodes (KindNode). At v3.5 rebalancing also lists them (typha v3.5.8
  # pkg/k8s/lookup.go GetNumNodes); from v3.20.2 GetNumNodes reads the syncer's count (calc.NodeCounter), no API call.
  - lines: ["3.5", "3.20", "3.24"]
    apiGroups: [""]
    resources: [nodes]
    verbs: [get, list, watch]
  # Workload endpoints are pods, profiles are namespaces and serviceaccounts (libcalico-go
  # lib/backend/k8s/resources/workloadendpoint.go, profile.go).
  - lines: ["3.5", "3.20", "3.24"]
    apiGroups: [""]
    resources: [pods, namespaces, serviceaccounts]
    verbs: [list, watch]
  # Rebalancing reads the endpoints of its own Service (typha pkg/k8s/lookup.go GetNumTyphas: Endpoints().Get).
  - lines: ["3.5", "3.20", "3.24"]
    apiGroups: [""]
    resources: [endpoints]
    verbs: [get]
  # v3.24's Felix syncer watches Services (KindKubernetesService, libcalico-go syncersv1/felixsyncer/felixsyncerv1.go).
  - lines: ["3.24"]
    apiGroups: [""]
    resources: [services]
    verbs: [list, watch]
  # Kubernetes NetworkPolicy (KindNetworkPolicy at v3.5, KindKubernetesNetworkPolicy from v3.20).
  - lines: ["3.5", "3.20", "3.24"]
    apiGroups: [networking.k8s.io]
    resources: [networkpolicies]
    verbs: [list, watch]
  # Service-based policy rules from v3.20 (KindKubernetesEndpointSlice, felixsyncerv1.go).
  - lines: ["3.20", "3.24"]
    apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
  # Calico resources of the Felix syncer (felixsyncerv1.go) and the BGP syncer (syncersv1/bgpsyncer/bgpsyncer.go).
  - lines: ["3.5", "3.20", "3.24"]
    apiGroups: [crd.projectcalico.org]
    resources: [bgpconfigurations, bgppeers, clusterinformations, felixconfigurations, globalnetworkpolicies, globalnetworksets, hostendpoints, ippools, networkpolicies]
    verbs: [get, list, watch]
  # From v3.20: network sets and IPAM blocks (Felix syncer), block affinities (BGP syncer); at v3.5 affinities
  # came from node pod CIDRs (lib/backend/k8s/resources/affinityblock.go).
  - lines: ["3.20", "3.24"]
    apiGroups: [crd.projectcalico.org]
    resources: [blockaffinities, ipamblocks, networksets]
    verbs: [get, list, watch]
  # v3.24 serves a node-status syncer (KindCalicoNodeStatus, syncersv1/nodestatussyncer; typha pkg/daemon/daemon.go).
  - lines: ["3.24"]
    apiGroups: [crd.projectcalico.org]
    resources: [caliconodestatuses]
    verbs: [list, watch]
  # Start-up migration check: when no ClusterInformation exists it reads the v1 global Felix config
  # (typha pkg/daemon/daemon.go ShouldMigrate; libcalico-go lib/upgrade/migrator/migrate.go getV1ClusterVersion).
  - lines: ["3.5", "3.20", "3.24"]
    apiGroups: [crd.projectcalico.org]
    resources: [globalfelixconfigs]
    verbs: [get]
  # EnsureInitialized creates or updates the default ClusterInformation before Typha serves anything
  # (typha pkg/daemon/daemon.go; libcalico-go lib/clientv3/client.go ensureClusterInformation).
  - lines: ["3.5", "3.20", "3.24"]
    apiGroups: [crd.projectcalico.org]
    resources: [clusterinformations]
    verbs: [create, update]
{{- end }}

{{/* The ClusterRole rules for this release's Typha, as YAML: the table's rows for the tag's release line (its
major.minor, "3.5", "3.20" or "3.24"); fails, naming the field, for a tag whose line no row has. Input: the render
context. */}}
{{- define "terway-relay.typhaRbacRules" -}}
{{- $tag := include "terway-relay.typhaTag" . -}}
{{- $line := include "terway-relay.minorLine" $tag -}}
{{- $table := (include "terway-relay.typhaRbacTable" . | fromYaml).rules -}}
{{- $rules := list -}}
{{- range $table -}}
{{- if has $line .lines }}{{ $rules = append $rules (omit . "lines") }}{{ end -}}
{{- end -}}
{{- if not $rules -}}
{{- fail (printf "typha.serviceAccount.create=true: the chart knows what Typha v3.5.x, v3.20.x and v3.24.x need from the API server, not Typha %q: use one of those tags or set typha.serviceAccount.create=false (Terway's account)" $tag) -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end }}
