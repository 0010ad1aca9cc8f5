/** Lambda's string timestamp form: `2020-04-10T19:06:32.563+0000`. */
export function lambdaTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("Z", "+0000");
}

/** `YYYY/MM/DD` in UTC, used in log stream names. */
export function utcDatePath(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll("-", "/");
}
