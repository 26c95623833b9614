// The simulator must accept what the official Alibaba Cloud SDKs send, byte for byte as they send it:
// @alicloud/openapi-client (V3, the core of every generated SDK; V1 when configured with
// signatureAlgorithm 'v2') and @alicloud/pop-core (V1).
//
// What they put on the wire (observed, see the report of the signing work):
// - openapi-client V3: parameters in the URL query in insertion order (not canonical order) via Node's
//   querystring, which leaves !'()* literal; empty body; an extra signed header
//   x-acs-credentials-provider (static_ak / static_sts); with STS, x-acs-accesskey-id + x-acs-security-token.
// - openapi-client v2: every parameter in the query of a POST with an empty body, Format=json (lower case).
// - pop-core POST: every parameter, Signature included, in a form body; the URL has no query; unsigned
//   x-acs-action / x-acs-version headers ride along.
import openapi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../pipeline/simulator/index.js';

// Node hands an ES module the CommonJS exports object (the class is on `.default`); vitest unwraps it.
const loaded: unknown = openapi;
const OpenApiClient = (typeof loaded === 'function' ? loaded : openapi.default) as typeof openapi.default;

interface Keys {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}
const KEY: Keys = { accessKeyId: 'conformance-id', accessKeySecret: 'conformance-secret' };
const STS: Keys = {
  accessKeyId: 'STS.conformance',
  accessKeySecret: 'sts-secret',
  securityToken: 'sts-token',
};
/** A generated month: enterprise 7122600, first day of April 2026, first page of 10. */
const QUERY = {
  EnterpriseId: 7122600,
  StartTime: '2026-04-01 00:00:00',
  EndTime: '2026-04-01 23:59:59',
  Start: '0',
  Limit: '10',
};

interface Page {
  Code: string;
  Data: { List: Array<{ Id: string; EnterpriseId: string }> };
}

let simulator: Simulator;
let stsSimulator: Simulator;

beforeAll(async () => {
  [simulator, stsSimulator] = await Promise.all([
    startSimulator({ seed: 7, volume: 3000, keys: KEY }),
    startSimulator({ seed: 7, volume: 3000, keys: STS }),
  ]);
});

afterAll(async () => {
  await Promise.all([simulator?.close(), stsSimulator?.close()]);
});

/** What the generated dyvmsapi client's cloudListCurlLogWithOptions does. */
async function callWithOpenApiClient(
  target: Simulator,
  keys: Keys,
  o: { method?: 'GET' | 'POST'; v2?: boolean } = {},
): Promise<Page> {
  const client = new OpenApiClient(
    new Config({
      ...keys,
      endpoint: `127.0.0.1:${target.port}`,
      protocol: 'HTTP',
      ...(o.v2 ? { signatureAlgorithm: 'v2' } : {}),
    }),
  );
  const params = new Params({
    action: 'CloudListCurlLog',
    version: '2017-05-25',
    protocol: 'HTTP',
    pathname: '/',
    method: o.method ?? 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  // OpenApiUtil.query(...) in the generated client: every value becomes a string.
  const query = Object.fromEntries(Object.entries(QUERY).map(([k, v]) => [k, String(v)]));
  // RuntimeOptions lives in @alicloud/tea-util (not a direct dependency); callApi only reads its fields.
  const runtime = {} as Parameters<typeof client.callApi>[2];
  const response = await client.callApi(params, new OpenApiRequest({ query }), runtime);
  return response.body as Page;
}

function callWithPopCore(target: Simulator, keys: Keys, method: 'GET' | 'POST' = 'POST'): Promise<Page> {
  const client = new RPCClient({ ...keys, endpoint: target.url, apiVersion: '2017-05-25' });
  return client.request<Page>('CloudListCurlLog', QUERY, { method });
}

function expectFirstPage(page: Page) {
  expect(page.Code).toBe('OK');
  expect(page.Data.List).toHaveLength(10);
  for (const record of page.Data.List) expect(record.EnterpriseId).toBe('7122600');
}

describe('@alicloud/openapi-client, V3 ACS3-HMAC-SHA256', () => {
  it('POST (what the generated dyvmsapi client sends) gets the first page', async () => {
    expectFirstPage(await callWithOpenApiClient(simulator, KEY));
  });

  it('GET gets the same page', async () => {
    const [post, get] = [
      await callWithOpenApiClient(simulator, KEY),
      await callWithOpenApiClient(simulator, KEY, { method: 'GET' }),
    ];
    expectFirstPage(get);
    expect(get.Data.List.map((r) => r.Id)).toEqual(post.Data.List.map((r) => r.Id));
  });

  it('STS credentials get the first page', async () => {
    expectFirstPage(await callWithOpenApiClient(stsSimulator, STS));
  });

  it('a wrong secret fails with SignatureDoesNotMatch (400)', async () => {
    await expect(
      callWithOpenApiClient(simulator, { ...KEY, accessKeySecret: 'wrong' }),
    ).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
      data: { statusCode: 400 },
    });
  });

  it('an unknown key fails with InvalidAccessKeyId.NotFound (404)', async () => {
    await expect(
      callWithOpenApiClient(simulator, { accessKeyId: 'nobody', accessKeySecret: 'x' }),
    ).rejects.toMatchObject({ code: 'InvalidAccessKeyId.NotFound', data: { statusCode: 404 } });
  });

  it('a wrong STS token fails with InvalidSecurityToken.MismatchWithAccessKey', async () => {
    await expect(
      callWithOpenApiClient(stsSimulator, { ...STS, securityToken: 'another-token' }),
    ).rejects.toMatchObject({ code: 'InvalidSecurityToken.MismatchWithAccessKey' });
  });
});

describe('@alicloud/openapi-client with signatureAlgorithm v2, V1 HMAC-SHA1', () => {
  it('POST gets the first page', async () => {
    expectFirstPage(await callWithOpenApiClient(simulator, KEY, { v2: true }));
  });

  it('STS credentials get the first page', async () => {
    expectFirstPage(await callWithOpenApiClient(stsSimulator, STS, { v2: true }));
  });
});

describe('@alicloud/pop-core, V1 HMAC-SHA1', () => {
  it('POST (form body) gets the first page, the same one the V3 client got', async () => {
    const page = await callWithPopCore(simulator, KEY);
    expectFirstPage(page);
    const v3 = await callWithOpenApiClient(simulator, KEY);
    expect(page.Data.List.map((r) => r.Id)).toEqual(v3.Data.List.map((r) => r.Id));
  });

  it('GET (query) gets the first page', async () => {
    expectFirstPage(await callWithPopCore(simulator, KEY, 'GET'));
  });

  it('STS credentials get the first page', async () => {
    expectFirstPage(await callWithPopCore(stsSimulator, STS));
  });

  it('a wrong secret fails with SignatureDoesNotMatch', async () => {
    await expect(callWithPopCore(simulator, { ...KEY, accessKeySecret: 'wrong' })).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });
});
