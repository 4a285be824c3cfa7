/**
 * Quick checks of the account forms before a round trip, so every empty field is flagged at once
 * (the server stops at the first bad field). The server's rules (worker/accounts/input.ts) stay
 * the authority; these only mirror the obvious ones.
 */

export type FormErrors = Record<string, string>;

/** The server's minimum (MIN_PASSWORD_LENGTH in worker/accounts/input.ts). */
export const MIN_PASSWORD_LENGTH = 10;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkSignup(input: { organization: string; email: string; password: string }): FormErrors {
  const errors: FormErrors = {};
  if (!input.organization.trim()) errors.organization = "organization is required";
  if (!input.email.trim()) errors.email = "email is required";
  else if (!EMAIL.test(input.email.trim())) errors.email = "email is not a valid email address";
  if (!input.password) errors.password = "password is required";
  else if (input.password.length < MIN_PASSWORD_LENGTH) errors.password = `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  return errors;
}

export function checkLogin(input: { email: string; password: string }): FormErrors {
  const errors: FormErrors = {};
  if (!input.email.trim()) errors.email = "email is required";
  if (!input.password) errors.password = "password is required";
  return errors;
}
