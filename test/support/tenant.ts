/** Signs up a fresh tenant on a running server and hands back its credentials. */

export interface TestTenant {
  tenantId: string;
  email: string;
  password: string;
  /** The ingest-only key sign-up returns. */
  ingestKey: string;
  /** A read-scoped key created with the session. */
  readKey: string;
  /** `et_session=…`, for routes that take the session cookie. */
  cookie: string;
}

let counter = 0;

export async function signUp(url: string, organization = "Test org"): Promise<TestTenant> {
  const email = `t${Date.now()}-${process.pid}-${++counter}@example.test`;
  const password = "correct horse battery staple";
  const response = await fetch(`${url}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, organization }),
  });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { tenant: { id: string }; apiKey: { key: string } };
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const keyResponse = await fetch(`${url}/api/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name: "test reader", scopes: ["read"] }),
  });
  if (keyResponse.status !== 201) throw new Error(`key creation failed: ${keyResponse.status} ${await keyResponse.text()}`);
  const readKey = ((await keyResponse.json()) as { key: string }).key;
  return { tenantId: body.tenant.id, email, password, ingestKey: body.apiKey.key, readKey, cookie };
}

/** GET a JSON API route with a read key; returns status and parsed body. */
export async function getJson<T = unknown>(url: string, key: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
