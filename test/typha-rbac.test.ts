// Typha's dedicated ClusterRole (typha.serviceAccount.create=true), per supported Typha release line, against what
// Typha does through the API server at that release (each row names the upstream code), and against what upstream
// grants Typha. The default stays Terway's own account.
import type { ClusterRole } from "kubernetes-types/rbac/v1.js";
import { describe, expect, it } from "vitest";
import { BASE, HELM_MAJORS, byKind, one, renderError, renderObjects } from "./support/renders.js";

type Line = "3.5" | "3.20" | "3.24";
const TAGS: Record<Line, string> = { "3.5": "v3.5.8", "3.20": "v3.20.2", "3.24": "v3.24.5" };
const ALL: Line[] = ["3.5", "3.20", "3.24"];

// Sources: Typha v3.5.8 = projectcalico/typha v3.5.8 + libcalico-go aae6c757 (its glide.lock); v3.20.2 =
// projectcalico/typha v3.20.2 + libcalico-go 8f238d19 (its go.mod); v3.24.5 = projectcalico/calico v3.24.5.
const NEEDS: { lines: Line[]; group: string; resources: string[]; verbs: string[]; source: string }[] = [
  {
    lines: ALL,
    group: "",
    resources: ["nodes"],
    verbs: ["get", "list", "watch"],
    source: "syncersv1 felixsyncer/bgpsyncer KindNode; typha v3.5.8 pkg/k8s/lookup.go GetNumNodes lists nodes",
  },
  {
    lines: ALL,
    group: "",
    resources: ["pods", "namespaces", "serviceaccounts"],
    verbs: ["list", "watch"],
    source: "lib/backend/k8s/resources workloadendpoint.go, profile.go",
  },
  {
    lines: ALL,
    group: "",
    resources: ["endpoints"],
    verbs: ["get"],
    source: "typha pkg/k8s/lookup.go GetNumTyphas Endpoints().Get",
  },
  {
    lines: ["3.24"],
    group: "",
    resources: ["services"],
    verbs: ["list", "watch"],
    source: "calico v3.24.5 felixsyncerv1.go KindKubernetesService",
  },
  {
    lines: ALL,
    group: "networking.k8s.io",
    resources: ["networkpolicies"],
    verbs: ["list", "watch"],
    source: "felixsyncerv1.go KindNetworkPolicy / KindKubernetesNetworkPolicy",
  },
  {
    lines: ["3.20", "3.24"],
    group: "discovery.k8s.io",
    resources: ["endpointslices"],
    verbs: ["list", "watch"],
    source: "felixsyncerv1.go KindKubernetesEndpointSlice",
  },
  {
    lines: ALL,
    group: "crd.projectcalico.org",
    resources: [
      "bgpconfigurations",
      "bgppeers",
      "clusterinformations",
      "felixconfigurations",
      "globalnetworkpolicies",
      "globalnetworksets",
      "hostendpoints",
      "ippools",
      "networkpolicies",
    ],
    verbs: ["get", "list", "watch"],
    source: "syncersv1/felixsyncer/felixsyncerv1.go, syncersv1/bgpsyncer/bgpsyncer.go",
  },
  {
    lines: ["3.20", "3.24"],
    group: "crd.projectcalico.org",
    resources: ["blockaffinities", "ipamblocks", "networksets"],
    verbs: ["get", "list", "watch"],
    source: "felixsyncerv1.go KindNetworkSet, BlockListOptions; bgpsyncer.go BlockAffinityListOptions",
  },
  {
    lines: ["3.24"],
    group: "crd.projectcalico.org",
    resources: ["caliconodestatuses"],
    verbs: ["list", "watch"],
    source: "calico v3.24.5 syncersv1/nodestatussyncer; typha/pkg/daemon/daemon.go",
  },
  {
    lines: ALL,
    group: "crd.projectcalico.org",
    resources: ["globalfelixconfigs"],
    verbs: ["get"],
    source: "typha pkg/daemon/daemon.go ShouldMigrate; lib/upgrade/migrator/migrate.go getV1ClusterVersion",
  },
  {
    lines: ALL,
    group: "crd.projectcalico.org",
    resources: ["clusterinformations"],
    verbs: ["create", "update"],
    source: "typha pkg/daemon/daemon.go EnsureInitialized; lib/clientv3/client.go ensureClusterInformation",
  },
];

/** "group/resource:verb" for every permission a list of rules grants. */
const permissions = (rules: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[]): string[] =>
  [
    ...new Set(
      rules.flatMap((r) =>
        r.apiGroups!.flatMap((g) => r.resources!.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))),
      ),
    ),
  ].sort();

// What upstream grants the account Typha runs as. tigera/operator pkg/render/typha.go typhaRole (v1.20.4 ships
// Calico v3.20.2, v1.28.5 ships v3.24.5); for v3.5, when Typha ran as calico-node, calico v3.5.8
// _includes/v3.5/manifests/rbac.yaml (kdd). Only the rules that grant something this chart grants are restated.
const CRD_READ_V320 = [
  "bgpconfigurations",
  "bgppeers",
  "blockaffinities",
  "clusterinformations",
  "felixconfigurations",
  "globalnetworkpolicies",
  "globalnetworksets",
  "hostendpoints",
  "ipamblocks",
  "ippools",
  "networkpolicies",
  "networksets",
];
const OPERATOR_V320 = [
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
  { apiGroups: [""], resources: ["pods", "nodes", "namespaces"], verbs: ["get"] },
  { apiGroups: [""], resources: ["endpoints", "services"], verbs: ["watch", "list", "get"] },
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["watch", "list"] },
  { apiGroups: [""], resources: ["pods", "namespaces", "serviceaccounts"], verbs: ["watch", "list"] },
  { apiGroups: ["crd.projectcalico.org"], resources: CRD_READ_V320, verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["crd.projectcalico.org"],
    resources: ["globalbgpconfigs", "globalfelixconfigs"],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: ["crd.projectcalico.org"],
    resources: ["clusterinformations", "felixconfigurations", "ippools"],
    verbs: ["create", "update"],
  },
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["crd.projectcalico.org"],
    resources: ["blockaffinities", "ipamblocks", "ipamhandles"],
    verbs: ["get", "list", "create", "update", "delete"],
  },
];
const UPSTREAM_GRANTS: Record<Line, { apiGroups: string[]; resources: string[]; verbs: string[] }[]> = {
  "3.5": [
    { apiGroups: [""], resources: ["pods", "nodes", "namespaces"], verbs: ["get"] },
    { apiGroups: [""], resources: ["endpoints", "services"], verbs: ["watch", "list", "get"] },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["watch", "list"] },
    { apiGroups: [""], resources: ["pods", "namespaces", "serviceaccounts"], verbs: ["list", "watch"] },
    {
      apiGroups: ["crd.projectcalico.org"],
      resources: [
        "globalfelixconfigs",
        "felixconfigurations",
        "bgppeers",
        "globalbgpconfigs",
        "bgpconfigurations",
        "ippools",
        "globalnetworkpolicies",
        "globalnetworksets",
        "networkpolicies",
        "clusterinformations",
        "hostendpoints",
      ],
      verbs: ["get", "list", "watch"],
    },
    {
      apiGroups: ["crd.projectcalico.org"],
      resources: ["ippools", "felixconfigurations", "clusterinformations"],
      verbs: ["create", "update"],
    },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  ],
  "3.20": OPERATOR_V320,
  "3.24": [
    ...OPERATOR_V320,
    {
      apiGroups: ["crd.projectcalico.org"],
      resources: ["caliconodestatuses", "ipreservations"],
      verbs: ["get", "list", "watch"],
    },
  ],
};

const role = async (helm: 3 | 4, line: Line) =>
  one<ClusterRole>(
    await renderObjects({ helm, sets: [...BASE, "typha.serviceAccount.create=true", `typha.image.tag=${TAGS[line]}`] }),
    "ClusterRole",
    "calico-typha",
  );

describe.each(HELM_MAJORS)("Typha's dedicated ClusterRole (helm %i)", (helm) => {
  it.each(ALL)("Typha v%s: exactly what Typha calls at that release", async (line) => {
    const want = permissions(
      NEEDS.filter((n) => n.lines.includes(line)).map((n) => ({
        apiGroups: [n.group],
        resources: n.resources,
        verbs: n.verbs,
      })),
    );
    expect(permissions((await role(helm, line)).rules!)).toEqual(want);
  });

  it.each(ALL)("Typha v%s: every permission is one upstream grants the account Typha runs as", async (line) => {
    const upstream = new Set(permissions(UPSTREAM_GRANTS[line]));
    expect(permissions((await role(helm, line)).rules!).filter((p) => !upstream.has(p))).toEqual([]);
  });

  it("the table covers the writes Typha makes at start-up (a 403 there keeps it unready for good)", async () => {
    for (const line of ALL)
      expect(permissions((await role(helm, line)).rules!)).toEqual(
        expect.arrayContaining([
          "crd.projectcalico.org/clusterinformations:create",
          "crd.projectcalico.org/clusterinformations:update",
        ]),
      );
  });

  it("refuses a Typha tag the table has no row for, naming the field", async () => {
    const msg = await renderError({
      helm,
      sets: [...BASE, "typha.serviceAccount.create=true", "typha.image.tag=v3.26.1"],
    });
    expect(msg).toContain(
      'typha.serviceAccount.create=true: the chart knows what Typha v3.5.x, v3.20.x and v3.24.x need from the API server, not Typha "v3.26.1"',
    );
  });

  it("the default is still Terway's own account: no ServiceAccount, ClusterRole or binding of the chart's", async () => {
    const objs = await renderObjects({ helm, sets: [...BASE, "typha.image.tag=v3.26.1"] });
    expect(
      one<{ spec: { template: { spec: { serviceAccountName: string } } } }>(objs, "Deployment", "calico-typha").spec
        .template.spec.serviceAccountName,
    ).toBe("terway");
    expect(byKind(objs, "ClusterRole").filter((o) => o.metadata.name === "calico-typha")).toEqual([]);
    expect(byKind(objs, "ServiceAccount").filter((o) => o.metadata.name === "calico-typha")).toEqual([]);
  });
});
