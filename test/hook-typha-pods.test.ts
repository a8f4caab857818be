// The hook says why Typha is not ready: while it waits, it reads Typha's pods (by the Deployment's selector, with
// the rendered Role) and stops by name on an image that cannot be pulled or is not valid, a container config
// error, a crash loop past a few restarts, or pods no node takes, long before typhaReadyTimeoutSeconds. Each
// scenario sets that timeout to an hour: only the fast path can end the run, with eni-config untouched.
import { describe, expect, test } from "vitest";
import type { FakeCluster } from "./support/fake-kube-apiserver.js";
import {
  eniConfigData,
  fixture,
  putTypha,
  relayRecords,
  relaySuite,
  runPhase,
  terwayCluster,
} from "./support/hook-harness.js";
import { type TyphaPodState, typhaPod } from "./support/typha-pod.js";

const suite = relaySuite();

// A safety net for a loaded machine, not an assertion on time.
const SCENARIO_TIMEOUT = 120_000;
const IMAGE = "registry-vpc.cn-hangzhou.aliyuncs.com/acs/typha:v3.24.5";

/** The scheduler's FailedScheduling message for a pod no node takes. */
const UNSCHEDULABLE = "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.";

/** A cluster where Helm has created Typha's Deployment (none ready) and these pods, by name, in the chart's
 * rendered image for cn-hangzhou. */
function typhaFailing(pods: Record<string, TyphaPodState>): FakeCluster {
  const c = terwayCluster(suite.server);
  putTypha(c, "calico-typha", 0);
  for (const [name, state] of Object.entries(pods)) c.put(typhaPod(name, { image: IMAGE, ...state }));
  return c;
}

/** post-install stops with `sentence` on stderr and has not touched eni-config. */
async function stopsWith(c: FakeCluster, sentence: RegExp): Promise<string> {
  const r = await runPhase(c, suite.relay, "post-install", { TYPHA_READY_TIMEOUT: "3600" });
  expect(r.exitCode, r.output).toBe(1);
  expect(r.stderr).toMatch(sentence);
  // One sentence, the last line of the Job's log.
  expect(r.stderr).toMatch(/ERROR: [^\n]*eni-config was not changed\.$/);
  expect(r.stderr).not.toMatch(/was not ready within/);
  expect(eniConfigData(c)).toEqual(fixture("eni-config.yaml").data);
  expect(relayRecords(c)).toEqual({});
  expect(c.requests.filter((q) => q.verb === "patch")).toEqual([]);
  expect(c.denied).toEqual([]);
  return r.stderr;
}

const MIRROR =
  /mirror calico\/typha:v3\.24\.5 \(the Typha that matches Terway's Felix\) into your ACR and set typha\.image\.registry and typha\.image\.repository to it; eni-config was not changed\./;

describe("the hook stops by name when Typha's pods cannot become ready", () => {
  for (const reason of ["ErrImagePull", "ImagePullBackOff"]) {
    test.concurrent(
      `${reason}: names the image and the mirror to set, not the guide's v3.5.8`,
      async () => {
        const stderr = await stopsWith(
          typhaFailing({ "calico-typha-a": { waiting: reason } }),
          new RegExp(
            `ERROR: Typha pod calico-typha-a cannot pull its image ${IMAGE.replace(/[./]/g, "\\$&")} \\(${reason}\\): `,
          ),
        );
        expect(stderr).toMatch(MIRROR);
        expect(stderr).not.toMatch(/v3\.5\.8/);
      },
      SCENARIO_TIMEOUT,
    );
  }

  test.concurrent(
    "InvalidImageName: the image values to correct",
    async () => {
      await stopsWith(
        typhaFailing({ "calico-typha-a": { waiting: "InvalidImageName" } }),
        /ERROR: Typha pod calico-typha-a has an image reference that is not valid, .*acs\/typha:v3\.24\.5 \(InvalidImageName\): set typha\.image\.registry, typha\.image\.repository and typha\.image\.tag to a valid reference; /,
      );
    },
    SCENARIO_TIMEOUT,
  );

  test.concurrent(
    "CreateContainerConfigError: the kubelet's message and where to look",
    async () => {
      await stopsWith(
        typhaFailing({
          "calico-typha-a": { waiting: "CreateContainerConfigError", message: 'configmap "typha-config" not found' },
        }),
        /ERROR: Typha pod calico-typha-a cannot start image .*acs\/typha:v3\.24\.5 \(CreateContainerConfigError: "configmap \\"typha-config\\" not found"\): fix what the message names, see kubectl -n kube-system describe pod calico-typha-a; /,
      );
    },
    SCENARIO_TIMEOUT,
  );

  test.concurrent(
    "CrashLoopBackOff past 3 restarts: the logs to read and the image to check",
    async () => {
      await stopsWith(
        typhaFailing({ "calico-typha-a": { waiting: "CrashLoopBackOff", restarts: 3 } }),
        /ERROR: Typha pod calico-typha-a keeps crashing with image .*acs\/typha:v3\.24\.5 \(CrashLoopBackOff after 3 restarts\): read kubectl -n kube-system logs calico-typha-a --previous, and if the image is not calico\/typha:v3\.24\.5 \(the Typha that matches Terway's Felix\), mirror that one into your ACR/,
      );
    },
    SCENARIO_TIMEOUT,
  );

  test.concurrent(
    "Unschedulable with too few pods scheduled: the scheduler's message and the placement values",
    async () => {
      await stopsWith(
        typhaFailing({
          "calico-typha-a": { unschedulable: UNSCHEDULABLE },
          "calico-typha-b": { waiting: "ContainerCreating" },
        }),
        /ERROR: Typha pod calico-typha-a cannot be scheduled \(Unschedulable: "0\/3 nodes are available: 3 node\(s\) didn't have free ports for the requested pod ports\."\): give it nodes it can run on, or change typha\.nodeSelector, typha\.tolerations or typha\.replicas; /,
      );
    },
    SCENARIO_TIMEOUT,
  );

  test.concurrent(
    "what may still mend is waited out: a roll's surge pod without a node while enough are scheduled, a crash before 3 restarts",
    async () => {
      const c = typhaFailing({
        "calico-typha-new": { unschedulable: UNSCHEDULABLE },
        "calico-typha-a": { waiting: "CrashLoopBackOff", restarts: 2 },
        "calico-typha-b": { waiting: "ContainerCreating" },
        "calico-typha-c": { waiting: "ContainerCreating" },
      });
      // Two seconds at a 0.3 s poll: 8 looks, 7 of them waiting, more than the 6 a failure that may still mend is
      // given (the 6th such look would stop the run), and fewer kubectl calls than the tests' 0.2 s poll makes.
      const r = await runPhase(c, suite.relay, "post-install", { TYPHA_READY_TIMEOUT: "2", POLL_SECONDS: "0.3" });
      expect(r.exitCode, r.output).toBe(1);
      expect(r.stderr).toMatch(/ERROR: Typha was not ready within 2s \(0 ready replicas/);
      expect(r.output.match(/waiting for Typha/g)?.length).toBeGreaterThan(6);
      expect(c.requests.filter((q) => q.resource === "pods" && q.verb === "list").length).toBeGreaterThan(0);
      expect(c.denied).toEqual([]);
    },
    SCENARIO_TIMEOUT,
  );
});
