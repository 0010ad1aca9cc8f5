import { type Command, Option } from "commander";
import { SilentFailure } from "../lib/cli-error.js";
import { ALL_CAPABILITIES, deployStack } from "../lib/deploy-stack.js";
import { endpointOption } from "../lib/endpoint.js";
import { isJson, outputOption, parsePairs, printJson, println, progress } from "../lib/output.js";
import { resolveTemplatePath } from "../lib/template-path.js";
import { eventLine, outputsText, planText } from "./stacks/render.js";

interface DeployFlags {
  template?: string;
  stackName?: string;
  parameterOverrides?: string[];
  tags?: string[];
  capabilities: string[];
  strict?: boolean;
  execute: boolean;
  endpoint?: string;
  output?: string;
}

/** `nimbus deploy`: package, change set, plan, execute with events, outputs. */
export function registerDeployCommand(program: Command): void {
  program
    .command("deploy")
    .description(
      "Deploy a SAM or CloudFormation template: package local code to S3, create a change set, show the plan, execute it and print the stack's outputs",
    )
    .option(
      "-t, --template <file>",
      "the template (default: template.yaml, .yml or .json in the current folder)",
    )
    .option("--stack-name <name>", "the stack (default: the template folder's name, sanitized)")
    .option(
      "--parameter-overrides <Key=Value...>",
      "template parameter values (default: the template's defaults on create, the previous values on update)",
    )
    .option("--tags <Key=Value...>", "tags for the stack (default: none)")
    .addOption(
      new Option("--capabilities <capability...>", "capabilities acknowledged").default(
        ALL_CAPABILITIES,
        ALL_CAPABILITIES.join(" "),
      ),
    )
    .option(
      "--strict",
      "fail when the template uses a resource type or property Nimbus does not apply (default: off; they are listed in the plan)",
    )
    .option(
      "--no-execute",
      "create the change set and show the plan, without executing it (default: execute)",
    )
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Local paths in CodeUri, ContentUri, DefinitionUri, Code, Content, DefinitionS3Location and
BodyS3Location are packaged as \`aws cloudformation package\` does, to the bucket
nimbus-artifacts-<account>-<region>. Progress and stack events go to stderr.

Exit codes: 0 deployed (or no changes), 1 the deploy failed or rolled back, 2 bad input.

Examples:
  nimbus deploy
  nimbus deploy -t app/template.yaml --stack-name shop --parameter-overrides Stage=dev Table=orders
  nimbus deploy --no-execute --output json`,
    )
    .action(async (flags: DeployFlags) => {
      const json = isJson(flags);
      const result = await deployStack({
        templatePath: resolveTemplatePath(flags.template),
        stackName: flags.stackName,
        parameters: parsePairs(flags.parameterOverrides, "--parameter-overrides"),
        tags: parsePairs(flags.tags, "--tags"),
        capabilities: flags.capabilities,
        strict: flags.strict,
        execute: flags.execute,
        endpoint: flags.endpoint,
        onProgress: progress,
        onEvent: (event) => progress(eventLine(event)),
        onPlan: (plan) => {
          if (!json) println(`${planText(plan)}\n`);
        },
      });
      if (json) printJson(result);
      else if (result.status === "NO_CHANGES") {
        println(`No changes to deploy. Stack ${result.stackName} is up to date.`);
        const outputs = outputsText(result);
        if (outputs) println(outputs);
      } else if (result.status === "CHANGE_SET_FAILED") {
        println(`Change set failed: ${result.reason ?? ""}`);
      } else if (result.status === "CHANGE_SET_CREATED") {
        println(`Change set created and not executed (--no-execute): ${result.plan?.changeSetId ?? ""}`);
      } else {
        println(`Stack ${result.stackName}: ${result.status}`);
        if (!result.ok) {
          if (result.reason) println(`Reason: ${result.reason}`);
          for (const f of result.failures)
            println(`  ${f.logicalId} (${f.resourceType}): ${f.reason ?? f.status}`);
        }
        const outputs = outputsText(result);
        if (outputs) println(outputs);
      }
      if (!result.ok) throw new SilentFailure();
    });
}
