// The simulator's signature verifier, without a server: requests signed by our own signer go in directly.
import { describe, expect, it } from 'vitest';
import { acsDate, type Credentials, signV1, signV3, v1CommonParams } from '../pipeline/extract/sign.js';
import {
  createVerifier,
  type SignedRequestIn,
  type Verification,
  type VerifierKey,
} from '../pipeline/simulator/verify-signature.js';

const NOW = Date.UTC(2026, 4, 1, 0, 5, 0);
const MINUTE = 60_000;
const KEY: VerifierKey = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
const STS_KEY: VerifierKey = {
  accessKeyId: 'STS.sts-id',
  accessKeySecret: 'sts-secret',
  securityToken: 'sts-token',
};
const QUERY = {
  EnterpriseId: '7000002',
  StartTime: '2026-04-01 00:00:00',
  EndTime: '2026-04-30 23:59:59',
  Start: '0',
  Limit: '500',
};

let nonceCounter = 0;
const freshNonce = () => `nonce-${++nonceCounter}`;

function verifierAt(nowMs = NOW) {
  return createVerifier({ keys: [KEY, STS_KEY], now: () => nowMs });
}

function v3Request(
  o: {
    method?: string;
    query?: Record<string, string>;
    body?: string;
    contentType?: string;
    date?: string;
    nonce?: string;
    credentials?: Credentials;
  } = {},
): SignedRequestIn {
  const out = signV3(
    {
      method: o.method ?? 'POST',
      host: '127.0.0.1:8080',
      action: 'CloudListCurlLog',
      version: '2017-05-25',
      query: o.query ?? QUERY,
      body: o.body,
      contentType: o.contentType,
      date: o.date ?? acsDate(NOW),
      nonce: o.nonce ?? freshNonce(),
    },
    o.credentials ?? KEY,
  );
  return {
    method: o.method ?? 'POST',
    rawQuery: out.queryString,
    // Unsigned headers a real client adds must not matter.
    headers: { ...out.headers, 'user-agent': 'test', accept: 'application/json' },
    body: Buffer.from(o.body ?? ''),
  };
}

function v1Request(
  o: {
    method?: 'GET' | 'POST';
    params?: Record<string, string>;
    timestamp?: string;
    nonce?: string;
    credentials?: Credentials;
    signedMethod?: string;
  } = {},
): SignedRequestIn {
  const credentials = o.credentials ?? KEY;
  const params = {
    ...v1CommonParams({
      action: 'CloudListCurlLog',
      version: '2017-05-25',
      accessKeyId: credentials.accessKeyId,
      nonce: o.nonce ?? freshNonce(),
      timestamp: o.timestamp ?? acsDate(NOW),
      securityToken: credentials.securityToken,
    }),
    ...(o.params ?? QUERY),
  };
  const method = o.method ?? 'GET';
  const { queryString } = signV1({ method: o.signedMethod ?? method, params }, credentials.accessKeySecret);
  return method === 'GET'
    ? { method, rawQuery: queryString, headers: { host: '127.0.0.1:8080' }, body: Buffer.alloc(0) }
    : {
        method,
        rawQuery: '',
        headers: { host: '127.0.0.1:8080', 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(queryString),
      };
}

function expectFailure(result: Verification, code: string, httpStatus: number) {
  expect(result).toMatchObject({ ok: false, code, httpStatus });
  if (!result.ok) {
    expect(result.message).not.toContain('testsecret');
    expect(result.message).not.toContain('sts-secret');
  }
}

describe('V3 requests that verify', () => {
  it('POST with the parameters in the query', () => {
    expect(verifierAt().verify(v3Request())).toEqual({
      ok: true,
      scheme: 'v3',
      action: 'CloudListCurlLog',
      version: '2017-05-25',
      params: QUERY,
    });
  });

  it('GET', () => {
    expect(verifierAt().verify(v3Request({ method: 'GET' }))).toMatchObject({ ok: true, params: QUERY });
  });

  it('POST with a form body: the body is hashed and its fields are business params', () => {
    const result = verifierAt().verify(
      v3Request({
        query: { EnterpriseId: '7000002' },
        body: 'Start=0&Url=http%3A%2F%2Fa.example%2Fx%20y',
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      params: { EnterpriseId: '7000002', Start: '0', Url: 'http://a.example/x y' },
    });
  });

  it('with STS credentials', () => {
    const request = v3Request({ credentials: STS_KEY });
    expect(request.headers['x-acs-security-token']).toBe('sts-token');
    expect(verifierAt().verify(request)).toMatchObject({ ok: true, scheme: 'v3' });
  });

  it('with a date 15 minutes off either way', () => {
    expect(verifierAt().verify(v3Request({ date: acsDate(NOW - 15 * MINUTE) })).ok).toBe(true);
    expect(verifierAt().verify(v3Request({ date: acsDate(NOW + 15 * MINUTE) })).ok).toBe(true);
  });

  it('with the literal !*\'() that Node querystring leaves unencoded; a "+" stays a plus', () => {
    const request = v3Request({ query: { Url: "a*b!'(c)", Plus: 'a+b' } });
    // What @alicloud/openapi-client actually puts on the wire (querystring.stringify).
    request.rawQuery = "Plus=a%2Bb&Url=a*b!'(c)";
    expect(verifierAt().verify(request)).toMatchObject({
      ok: true,
      params: { Url: "a*b!'(c)", Plus: 'a+b' },
    });

    const literalPlus = v3Request({ query: { Plus: 'a+b' } });
    literalPlus.rawQuery = 'Plus=a+b';
    expect(verifierAt().verify(literalPlus)).toMatchObject({ ok: true, params: { Plus: 'a+b' } });
  });
});

describe('V3 requests that fail', () => {
  it('altered query value → SignatureDoesNotMatch 400', () => {
    const request = v3Request();
    request.rawQuery = request.rawQuery.replace('Limit=500', 'Limit=499');
    expectFailure(verifierAt().verify(request), 'SignatureDoesNotMatch', 400);
  });

  it('a space sent as "+" is not a space → SignatureDoesNotMatch', () => {
    const request = v3Request({ query: { Url: 'a b' } });
    request.rawQuery = 'Url=a+b';
    expectFailure(verifierAt().verify(request), 'SignatureDoesNotMatch', 400);
  });

  it('altered signed header → SignatureDoesNotMatch 400', () => {
    const request = v3Request();
    request.headers['x-acs-action'] = 'CloudListCurlLogs';
    expectFailure(verifierAt().verify(request), 'SignatureDoesNotMatch', 400);
  });

  it('altered body → SignatureDoesNotMatch 400', () => {
    const request = v3Request({ body: 'Start=0', contentType: 'application/x-www-form-urlencoded' });
    request.body = Buffer.from('Start=1');
    expectFailure(verifierAt().verify(request), 'SignatureDoesNotMatch', 400);
  });

  it('signed for GET, sent as POST → SignatureDoesNotMatch', () => {
    const request = v3Request({ method: 'GET' });
    expectFailure(verifierAt().verify({ ...request, method: 'POST' }), 'SignatureDoesNotMatch', 400);
  });

  it('wrong secret → SignatureDoesNotMatch 400, without the secret in the message', () => {
    const request = v3Request({ credentials: { accessKeyId: 'testid', accessKeySecret: 'wrong' } });
    const result = verifierAt().verify(request);
    expectFailure(result, 'SignatureDoesNotMatch', 400);
  });

  it('unknown key → InvalidAccessKeyId.NotFound 404', () => {
    const request = v3Request({ credentials: { accessKeyId: 'nobody', accessKeySecret: 'x' } });
    expectFailure(verifierAt().verify(request), 'InvalidAccessKeyId.NotFound', 404);
  });

  it('expired date → InvalidTimeStamp.Expired 400', () => {
    expectFailure(
      verifierAt().verify(v3Request({ date: acsDate(NOW - 16 * MINUTE) })),
      'InvalidTimeStamp.Expired',
      400,
    );
    expectFailure(
      verifierAt(NOW - 16 * MINUTE).verify(v3Request({ date: acsDate(NOW) })),
      'InvalidTimeStamp.Expired',
      400,
    );
  });

  it.each([
    '2026-05-01T00:05:00.000Z',
    '2026-05-01 00:05:00Z',
    '2026-05-01T00:05:00',
    '2026-02-30T00:05:00Z',
    'Fri, 01 May 2026 00:05:00 GMT',
  ])('malformed date %j → InvalidTimeStamp.Format 400', (date) => {
    expectFailure(verifierAt().verify(v3Request({ date })), 'InvalidTimeStamp.Format', 400);
  });

  it('replayed nonce → SignatureNonceUsed 400', () => {
    const verifier = verifierAt();
    const request = v3Request({ nonce: 'replayed' });
    expect(verifier.verify(request).ok).toBe(true);
    expectFailure(verifier.verify(request), 'SignatureNonceUsed', 400);
    // A nonce is per access key: another key may use the same string.
    expect(verifier.verify(v3Request({ nonce: 'replayed', credentials: STS_KEY })).ok).toBe(true);
  });

  it('a request with a bad signature does not burn its nonce', () => {
    const verifier = verifierAt();
    const forged = v3Request({
      nonce: 'n-forged',
      credentials: { accessKeyId: 'testid', accessKeySecret: 'x' },
    });
    expectFailure(verifier.verify(forged), 'SignatureDoesNotMatch', 400);
    expect(verifier.verify(v3Request({ nonce: 'n-forged' })).ok).toBe(true);
  });

  it('a nonce is forgotten once no request carrying it could pass the date check', () => {
    let nowMs = NOW;
    const verifier = createVerifier({ keys: [KEY], now: () => nowMs });
    expect(verifier.verify(v3Request({ nonce: 'old' })).ok).toBe(true);
    nowMs = NOW + 29 * MINUTE;
    expectFailure(
      verifier.verify(v3Request({ nonce: 'old', date: acsDate(nowMs) })),
      'SignatureNonceUsed',
      400,
    );
    nowMs = NOW + 31 * MINUTE;
    expect(verifier.verify(v3Request({ nonce: 'old', date: acsDate(nowMs) })).ok).toBe(true);
  });

  it('missing Authorization → IncompleteSignature 400', () => {
    const request = v3Request();
    delete request.headers.authorization;
    expectFailure(verifierAt().verify(request), 'IncompleteSignature', 400);
  });

  it.each([
    ['another algorithm', (a: string) => a.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3')],
    ['no Credential', (a: string) => a.replace('Credential=testid,', '')],
    ['a short signature', (a: string) => a.slice(0, -2)],
  ])('malformed Authorization (%s) → IncompleteSignature 400', (_name, mangle) => {
    const request = v3Request();
    request.headers.authorization = mangle(String(request.headers.authorization));
    expectFailure(verifierAt().verify(request), 'IncompleteSignature', 400);
  });

  it('an x-acs-* header that is not signed → IncompleteSignature 400', () => {
    const request = v3Request();
    request.headers['x-acs-extra'] = '1';
    expectFailure(verifierAt().verify(request), 'IncompleteSignature', 400);
  });

  it('a required header missing → IncompleteSignature 400', () => {
    const request = v3Request();
    delete request.headers['x-acs-signature-nonce'];
    expectFailure(verifierAt().verify(request), 'IncompleteSignature', 400);
  });

  it('STS key without its token → MissingSecurityToken; another token → MismatchWithAccessKey', () => {
    const withoutToken = v3Request({
      credentials: { accessKeyId: 'STS.sts-id', accessKeySecret: 'sts-secret' },
    });
    expectFailure(verifierAt().verify(withoutToken), 'MissingSecurityToken', 400);
    const otherToken = v3Request({ credentials: { ...STS_KEY, securityToken: 'other' } });
    expectFailure(verifierAt().verify(otherToken), 'InvalidSecurityToken.MismatchWithAccessKey', 400);
  });

  it('a malformed %-escape → InvalidParameter 400', () => {
    const request = v3Request();
    request.rawQuery += '&Url=%zz';
    expectFailure(verifierAt().verify(request), 'InvalidParameter', 400);
  });
});

describe('V1 requests', () => {
  it('GET with the parameters in the query verifies; common parameters are not business params', () => {
    expect(verifierAt().verify(v1Request({ params: { ...QUERY, RegionId: 'cn-hangzhou' } }))).toEqual({
      ok: true,
      scheme: 'v1',
      action: 'CloudListCurlLog',
      version: '2017-05-25',
      params: QUERY,
    });
  });

  it('POST with every parameter in a form body (pop-core style) verifies', () => {
    expect(verifierAt().verify(v1Request({ method: 'POST' }))).toMatchObject({ ok: true, params: QUERY });
  });

  it('with STS credentials', () => {
    expect(verifierAt().verify(v1Request({ credentials: STS_KEY }))).toMatchObject({
      ok: true,
      scheme: 'v1',
    });
  });

  it('signed for GET, sent as POST → SignatureDoesNotMatch', () => {
    expectFailure(
      verifierAt().verify(v1Request({ method: 'POST', signedMethod: 'GET' })),
      'SignatureDoesNotMatch',
      400,
    );
  });

  it('altered value → SignatureDoesNotMatch', () => {
    const request = v1Request();
    request.rawQuery = request.rawQuery.replace('Limit=500', 'Limit=5');
    expectFailure(verifierAt().verify(request), 'SignatureDoesNotMatch', 400);
  });

  it('wrong secret → SignatureDoesNotMatch; unknown key → InvalidAccessKeyId.NotFound 404', () => {
    expectFailure(
      verifierAt().verify(v1Request({ credentials: { accessKeyId: 'testid', accessKeySecret: 'nope' } })),
      'SignatureDoesNotMatch',
      400,
    );
    expectFailure(
      verifierAt().verify(v1Request({ credentials: { accessKeyId: 'nobody', accessKeySecret: 'x' } })),
      'InvalidAccessKeyId.NotFound',
      404,
    );
  });

  it('expired and malformed Timestamp', () => {
    expectFailure(
      verifierAt().verify(v1Request({ timestamp: acsDate(NOW + 20 * MINUTE) })),
      'InvalidTimeStamp.Expired',
      400,
    );
    expectFailure(
      verifierAt().verify(v1Request({ timestamp: '2026-05-01' })),
      'InvalidTimeStamp.Format',
      400,
    );
  });

  it('replayed nonce → SignatureNonceUsed', () => {
    const verifier = verifierAt();
    const request = v1Request();
    expect(verifier.verify(request).ok).toBe(true);
    expectFailure(verifier.verify(request), 'SignatureNonceUsed', 400);
  });

  it('missing Signature (but SignatureMethod present) → IncompleteSignature', () => {
    const request = v1Request();
    request.rawQuery = request.rawQuery.replace(/&Signature=[^&]*$/, '');
    expectFailure(verifierAt().verify(request), 'IncompleteSignature', 400);
  });

  it('no signature of either kind → IncompleteSignature', () => {
    expectFailure(
      verifierAt().verify({
        method: 'GET',
        rawQuery: 'Action=CloudListCurlLog',
        headers: {},
        body: Buffer.alloc(0),
      }),
      'IncompleteSignature',
      400,
    );
  });
});
