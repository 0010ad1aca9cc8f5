/** Why a running deployment ends early (its errorInformation code and the reason shiftAlias gives). */
export class DeploymentAbort extends Error {
  constructor(
    readonly status: "Failed" | "Stopped",
    readonly errorCode: string,
    message: string,
    /** The short reason shiftAlias rejects with (`alarm X fired`). */
    readonly summary: string,
  ) {
    super(message);
  }
}

/** A deployment running in this process: what ends its waits early. */
export interface RunningDeployment {
  /** `application/group`: one running deployment per group. */
  group: string;
  /** Set by stop/close, seen at the next check even when no wait is pending. */
  aborted?: DeploymentAbort;
  /** Rejects `stopped` (every pending wait ends with the abort). */
  stop: (abort: DeploymentAbort) => void;
  stopped: Promise<never>;
}

export function runningDeployment(group: string): RunningDeployment {
  let stop: (abort: DeploymentAbort) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => {});
  const running: RunningDeployment = {
    group,
    stopped,
    stop: (abort) => {
      running.aborted = abort;
      stop(abort);
    },
  };
  return running;
}
