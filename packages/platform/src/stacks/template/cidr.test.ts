import { describe, expect, it } from "vitest";
import { cidr } from "./cidr.js";

describe("cidr", () => {
  it("carves IPv4 subnets from the network address", () => {
    expect(cidr("10.0.0.0/16", 3, 8)).toEqual(["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]);
    expect(cidr("10.0.5.7/16", 2, 12)).toEqual(["10.0.0.0/20", "10.0.16.0/20"]);
    expect(cidr("192.168.0.0/24", 256, 0)).toHaveLength(256);
    expect(cidr("0.0.0.0/0", 1, 32)).toEqual(["0.0.0.0/0"]);
  });

  it("carves IPv6 subnets", () => {
    expect(cidr("2001:db8::/56", 3, 64)).toEqual(["2001:db8::/64", "2001:db8:0:1::/64", "2001:db8:0:2::/64"]);
    expect(cidr("2001:0DB8:1:2:3:4:5:6/120", 2, 4)).toEqual([
      "2001:db8:1:2:3:4:5:0/124",
      "2001:db8:1:2:3:4:5:10/124",
    ]);
  });

  it.each([
    ["10.0.0.0", 1, 8, /not a valid CIDR block/],
    ["10.0.0.256/16", 1, 8, /not a valid CIDR block/],
    ["10.0.0.0/33", 1, 8, /not a valid CIDR block/],
    ["10.0.0.0/24", 0, 4, /count 0 must be between 1 and 256/],
    ["10.0.0.0/24", 257, 0, /count 257 must be between 1 and 256/],
    ["10.0.0.0/24", 1, 9, /cidrBits 9 does not fit/],
    ["10.0.0.0/24", 3, 7, /holds fewer than 3 subnets of \/25/],
    ["1::2::3/64", 1, 8, /not a valid CIDR block/],
  ])("rejects %s count %s bits %s", (block, count, bits, message) => {
    expect(() => cidr(block, count, bits)).toThrow(message);
  });
});
