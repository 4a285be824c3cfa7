import { describe, expect, it } from "vitest";
import { checkLogin, checkSignup } from "./forms";

describe("checkSignup", () => {
  it("flags every empty field at once", () => {
    expect(checkSignup({ organization: " ", email: "", password: "" })).toEqual({
      organization: "organization is required",
      email: "email is required",
      password: "password is required",
    });
  });

  it("flags a malformed email and a short password", () => {
    expect(checkSignup({ organization: "Acme", email: "not-an-email", password: "short" })).toEqual({
      email: "email is not a valid email address",
      password: "password must be at least 10 characters",
    });
  });

  it("passes a good form", () => {
    expect(checkSignup({ organization: "Acme", email: "a@b.co", password: "0123456789" })).toEqual({});
  });
});

describe("checkLogin", () => {
  it("wants both fields and nothing more", () => {
    expect(checkLogin({ email: "", password: "" })).toEqual({ email: "email is required", password: "password is required" });
    expect(checkLogin({ email: "x", password: "y" })).toEqual({});
  });
});
