// CodeDeploy's BeforeAllowTraffic hook: invoke the newest version once before any traffic moves
// to it, and report the result. Failing here stops the release with no user ever reaching it.
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { InvokeCommand, LambdaClient, ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";

const lambda = new LambdaClient({});
const codedeploy = new CodeDeployClient({});

export const handler = async (event) => {
  const FunctionName = process.env.TARGET_FUNCTION;
  let status = "Succeeded";
  try {
    const listed = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName }));
    const newest = (listed.Versions ?? [])
      .map((v) => v.Version)
      .filter((v) => v !== "$LATEST")
      .sort((a, b) => Number(b) - Number(a))[0];
    const result = await lambda.send(
      new InvokeCommand({ FunctionName, Qualifier: newest, Payload: JSON.stringify({ rawPath: "/smoke" }) }),
    );
    if (result.FunctionError) {
      console.log(`SMOKE TEST FAILED on version ${newest}: ${Buffer.from(result.Payload).toString()}`);
      status = "Failed";
    } else {
      console.log(`SMOKE TEST PASSED on version ${newest}`);
    }
  } catch (error) {
    console.log(`SMOKE TEST ERROR ${error}`);
    status = "Failed";
  }
  await codedeploy.send(
    new PutLifecycleEventHookExecutionStatusCommand({
      deploymentId: event.DeploymentId,
      lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
      status,
    }),
  );
  return status;
};
