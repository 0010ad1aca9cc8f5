import { describe, expect, it } from "vitest";
import { detailsKeyFor } from "./history.js";

describe("detailsKeyFor", () => {
  it("maps state events to the shared entered/exited members", () => {
    expect(detailsKeyFor("TaskStateEntered")).toBe("stateEnteredEventDetails");
    expect(detailsKeyFor("MapStateExited")).toBe("stateExitedEventDetails");
  });

  it("derives the member name from the event type otherwise", () => {
    expect(detailsKeyFor("TaskScheduled")).toBe("taskScheduledEventDetails");
    expect(detailsKeyFor("MapStateStarted")).toBe("mapStateStartedEventDetails");
    expect(detailsKeyFor("MapIterationStarted")).toBe("mapIterationStartedEventDetails");
    expect(detailsKeyFor("ExecutionFailed")).toBe("executionFailedEventDetails");
    expect(detailsKeyFor("LambdaFunctionScheduled")).toBe("lambdaFunctionScheduledEventDetails");
    expect(detailsKeyFor("EvaluationFailed")).toBe("evaluationFailedEventDetails");
  });
});
