// The child-process call helm and kubectl run through, as a property of an object rather than a bare import, so
// that a test can wrap it (the test suite counts `helm template` calls this way). It holds no state. The same seam as
// cdk8s-team/cdk8s-core src/_child_process.ts (spawnSync).
import { execa } from "execa";

export const _child_process = { execa };
