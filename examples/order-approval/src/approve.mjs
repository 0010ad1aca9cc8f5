// The approval API: POST /approvals {"taskToken": "...", "approved": true, "approver": "ana"}.
// It answers the waiting workflow step with SendTaskSuccess (the decision is its output).
import { SendTaskSuccessCommand, SFNClient } from "@aws-sdk/client-sfn";

const sfn = new SFNClient({});

export const handler = async (event) => {
  let decision;
  try {
    decision = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, "base64").toString() : event.body);
  } catch {
    return { statusCode: 400, body: JSON.stringify({ message: "the body must be JSON" }) };
  }
  if (typeof decision.taskToken !== "string" || typeof decision.approved !== "boolean") {
    return {
      statusCode: 400,
      body: JSON.stringify({ message: "taskToken (string) and approved (boolean) are required" }),
    };
  }
  await sfn.send(
    new SendTaskSuccessCommand({
      taskToken: decision.taskToken,
      output: JSON.stringify({ approved: decision.approved, approver: decision.approver ?? "anonymous" }),
    }),
  );
  return { statusCode: 200, body: JSON.stringify({ recorded: decision.approved ? "approved" : "rejected" }) };
};
