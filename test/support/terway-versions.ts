// Each row's edges of the chart's one Terway -> Felix table (chart/templates/_terway.tpl), written as the image
// tags Terway runs with: ACK build tags carry `git describe` (vX.Y.Z.N-g<sha>-aliyun); the shas are the real
// commits at those counts (`git describe --tags --abbrev=7` in AliyunContainerService/terway). Both the chart's
// tag choice (test/hook-lookup.test.ts) and the hook's preflight (test/hook-terway.test.ts) are held to them.
export interface VersionEdge {
  tag: string;
  /** The Felix the table places it at, or null: refused unless typha.allowVersionSkew. */
  felix: string | null;
  /** The Typha tag the chart picks for it. */
  typha: string | null;
}

const placed = (tag: string, felix: string, typha = felix): VersionEdge => ({ tag, felix, typha });
const unplaced = (tag: string): VersionEdge => ({ tag, felix: null, typha: null });

export const VERSION_EDGES: VersionEdge[] = [
  unplaced("v1.0.9"), // before v1.0.10 no tag, so no source
  placed("v1.0.10", "v3.5.2", "v3.5.8"),
  placed("v1.0.10.0-g7da5160-aliyun", "v3.5.2", "v3.5.8"), // terway-multiip.yml at v1.0.10
  placed("v1.0.10.152-gf18538f-aliyun", "v3.5.2", "v3.5.8"),
  placed("v1.0.10.153-g1339616-aliyun", "v3.5.8"), // "upgrade felix to 3.5.8"
  placed("v1.0.10.455-gf04376a-aliyun", "v3.5.8"),
  placed("v1.0.10.456-gf770ebe-aliyun", "v3.20.2"), // "update felix to 3.20.2"
  placed("v1.0.10.469-g99f0e6b-aliyun", "v3.20.2"),
  placed("v1.1.0", "v3.20.2"),
  placed("v1.4.4", "v3.20.2"),
  placed("v1.4.4.1-g6311c62-aliyun", "v3.20.2"),
  placed("v1.4.4.2-g7a67b8c-aliyun", "v3.24.5"), // "policy: bump calico-felix to v3.24.5"
  placed("v1.4.4.9-gc61b65f-aliyun", "v3.24.5"),
  unplaced("v1.5.0"), // no tag upstream
  placed("v1.5.1", "v3.24.5"),
  placed("v1.17.5", "v3.24.5"),
  placed("v1.99.0.7-g0000000-aliyun", "v3.24.5"), // the last row is open-ended
  placed("v1.9.0@sha256:0123", "v3.24.5"),
  unplaced("latest"),
  unplaced("v1.9"),
];

export const terwayImage = (tag: string) => `registry-vpc.cn-hangzhou.aliyuncs.com/acs/terway:${tag}`;
