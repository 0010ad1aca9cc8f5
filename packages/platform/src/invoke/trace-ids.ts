import { randomHex } from "../core/ids.js";

/**
 * X-Ray style trace headers (`Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0`). They need
 * uniqueness, not secrecy: a random prefix and a counter avoid the CSPRNG on every invocation.
 */
export class TraceIds {
  private readonly prefix = randomHex(4);
  private counter = 0;

  next(nowMs: number): string {
    this.counter = (this.counter + 1) % 0x1_0000_0000_0000;
    const n = this.counter.toString(16).padStart(16, "0");
    return `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${this.prefix}${n};Parent=${n};Sampled=0`;
  }
}
