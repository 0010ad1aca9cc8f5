#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the root `prepare` script).
import("../dist/main.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/main.js")) {
    console.error(
      "nimbus: the CLI is not built yet. Run `npm install` (or `npm run build`) in the repository first.",
    );
    process.exit(1);
  }
  throw error;
});
