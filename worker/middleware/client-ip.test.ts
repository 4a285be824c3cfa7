import { describe, expect, it } from "vitest";
import { clientBucket, ipv6Groups } from "./client-ip";

describe("clientBucket", () => {
  it("keeps an IPv4 address whole", () => {
    expect(clientBucket("203.0.113.9")).toBe("203.0.113.9");
    expect(clientBucket("local")).toBe("local");
  });

  it("counts every address of one IPv6 /64 as one client, whatever its spelling", () => {
    const buckets = ["2001:db8:1:2::1", "2001:0DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2:a:b:c:d", "2001:db8:1:2::a%eth0"].map(clientBucket);
    expect(new Set(buckets)).toEqual(new Set(["2001:db8:1:2::/64"]));
  });

  it("tells neighbouring /64s apart", () => {
    expect(clientBucket("2001:db8:1:3::1")).not.toBe(clientBucket("2001:db8:1:2::1"));
    expect(clientBucket("::1")).toBe("0:0:0:0::/64");
  });

  it("treats an IPv4-mapped IPv6 address as its IPv4 client", () => {
    expect(clientBucket("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientBucket("::ffff:cb00:7109")).toBe("203.0.113.9");
  });

  it("keeps text that is not an address as it is, so it still counts as one client", () => {
    expect(clientBucket("2001:db8::1::2")).toBe("2001:db8::1::2");
    expect(ipv6Groups("1:2:3:4:5:6:7")).toBeNull();
    expect(ipv6Groups("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(ipv6Groups("1:2:3:4::5:6:7:8")).toBeNull();
    expect(ipv6Groups("::ffff:1.2.3.256")).toBeNull();
  });
});
