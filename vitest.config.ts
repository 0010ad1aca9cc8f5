import { defineConfig } from "vitest/config";

// The SDK warns once per process that its 2027 releases need Node 22; tests run on Node 20.
// Set here so every test worker and every server a test spawns inherits it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**", "**/*.contract.test.ts"],
        },
      },
      {
        test: {
          name: "contract",
          include: ["packages/**/*.contract.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
