import { describe, expect, it } from "vitest";
import { atLeast, parseRole, roleField, ROLES } from "./roles";

describe("roles", () => {
  it("order viewer < member < admin < owner, each allowed what the weaker ones are", () => {
    const allowed = ROLES.map((role) => ROLES.filter((needed) => atLeast(role, needed)));
    expect(allowed).toEqual([["viewer"], ["viewer", "member"], ["viewer", "member", "admin"], ["viewer", "member", "admin", "owner"]]);
  });

  it("reads an unknown stored role as the weakest, never as a stronger one", () => {
    expect(parseRole("superuser")).toBe("viewer");
    expect(parseRole("admin")).toBe("admin");
  });

  it("refuses a body role that is not one of the four, naming the field", () => {
    for (const role of [undefined, "", "Owner", "root", 3, ["admin"]]) {
      expect(() => roleField({ role }), String(role)).toThrow(/role must be one of "viewer", "member", "admin", "owner"/);
    }
    expect(roleField({ role: "member" })).toBe("member");
  });
});
