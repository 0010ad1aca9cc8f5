// The function being released. A greeting of "fail" makes it throw, to show the alarm rolling
// a bad release back.
export const handler = async (event) => {
  const greeting = process.env.GREETING ?? "hello";
  if (greeting === "fail") throw new Error("this release is broken");
  return { greeting, version: process.env.AWS_LAMBDA_FUNCTION_VERSION, path: event.rawPath };
};
