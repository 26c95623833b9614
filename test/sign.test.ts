// Signing vectors of shared/reference/alibaba-openapi.md §4, byte for byte, plus the §1 encoding rules.
import { describe, expect, it } from 'vitest';
import {
  acsDate,
  canonicalQueryString,
  EMPTY_SHA256,
  newNonce,
  percentEncode,
  signV1,
  signV3,
  v1CommonParams,
} from '../pipeline/extract/sign.js';

describe('percentEncode (§1)', () => {
  it.each([
    ['a b', 'a%20b'],
    ['a*b', 'a%2Ab'],
    ['a~b', 'a~b'],
    ['a/b', 'a%2Fb'],
    ["!'()", '%21%27%28%29'],
    ['AZaz09-_.~', 'AZaz09-_.~'],
    ['+=&:', '%2B%3D%26%3A'],
    ['阿里云', '%E9%98%BF%E9%87%8C%E4%BA%91'],
    ['😀', '%F0%9F%98%80'],
    ['2026-04-01 00:00:00', '2026-04-01%2000%3A00%3A00'],
  ])('%j → %s', (input, expected) => {
    expect(percentEncode(input)).toBe(expected);
  });

  it('throws a clear error on a lone surrogate', () => {
    expect(() => percentEncode('a\uD800b')).toThrow(/lone UTF-16 surrogate/);
  });
});

describe('canonicalQueryString', () => {
  it('sorts by code unit: Start before StartTime, upper case before lower case', () => {
    expect(canonicalQueryString({ StartTime: 'x', b: '1', Start: '0', B: '2', a: '3', A: '4' })).toBe(
      'A=4&B=2&Start=0&StartTime=x&a=3&b=1',
    );
  });

  it('writes an empty value as Name= and encodes names too', () => {
    expect(canonicalQueryString({ Url: '', 'Tag.1.a b': 'v' })).toBe('Tag.1.a%20b=v&Url=');
  });

  it('is empty for no parameters', () => {
    expect(canonicalQueryString({})).toBe('');
  });
});

describe('V3 ACS3-HMAC-SHA256', () => {
  it('V3-1 (RunInstances): canonical request, hash, signature, Authorization', () => {
    const out = signV3(
      {
        method: 'POST',
        host: 'ecs.cn-shanghai.aliyuncs.com',
        action: 'RunInstances',
        version: '2014-05-26',
        query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
        date: '2023-10-26T10:22:32Z',
        nonce: '3156853299f313e23d1673dc12e1703d',
      },
      { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' },
    );
    expect(out.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(out.hashedCanonicalRequest).toBe(
      '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
    expect(out.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    expect(out.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    expect(out.queryString).toBe(
      'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
    );
  });

  const p1Input = {
    method: 'POST',
    host: 'dyvmsapi.aliyuncs.com',
    action: 'CloudListCurlLog',
    version: '2017-05-25',
    query: {
      EnterpriseId: '7000002',
      StartTime: '2026-04-01 00:00:00',
      EndTime: '2026-04-30 23:59:59',
      Start: '0',
      Limit: '500',
    },
    date: '2026-05-01T00:00:00Z',
    nonce: '0123456789abcdef0123456789abcdef',
  };

  it('P1 (CloudListCurlLog): canonical request, hash, signature, headers', () => {
    const out = signV3(p1Input, { accessKeyId: 'testid', accessKeySecret: 'testsecret' });
    expect(out.canonicalRequest).toBe(
      [
        'POST',
        '/',
        'EndTime=2026-04-30%2023%3A59%3A59&EnterpriseId=7000002&Limit=500&Start=0&StartTime=2026-04-01%2000%3A00%3A00',
        'host:dyvmsapi.aliyuncs.com',
        'x-acs-action:CloudListCurlLog',
        'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-acs-date:2026-05-01T00:00:00Z',
        'x-acs-signature-nonce:0123456789abcdef0123456789abcdef',
        'x-acs-version:2017-05-25',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(out.hashedCanonicalRequest).toBe(
      '9c5fe76e7fb6a843bd7c1cec2ed400f4ff47c2bd197882f43fda86932dd13cae',
    );
    expect(out.signature).toBe('ee06a6eb80cd17688b227a44d1657f205065bf3b1efca39fc5079cdc23f50bb0');
    expect(out.queryString).toBe(
      'EndTime=2026-04-30%2023%3A59%3A59&EnterpriseId=7000002&Limit=500&Start=0&StartTime=2026-04-01%2000%3A00%3A00',
    );
    expect(out.headers).toEqual({
      host: 'dyvmsapi.aliyuncs.com',
      'x-acs-action': 'CloudListCurlLog',
      'x-acs-version': '2017-05-25',
      'x-acs-date': '2026-05-01T00:00:00Z',
      'x-acs-signature-nonce': '0123456789abcdef0123456789abcdef',
      'x-acs-content-sha256': EMPTY_SHA256,
      authorization: `ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=${out.signedHeaders},Signature=ee06a6eb80cd17688b227a44d1657f205065bf3b1efca39fc5079cdc23f50bb0`,
    });
  });

  it('P2 (P1 with STS): x-acs-accesskey-id and x-acs-security-token are sent and signed', () => {
    const out = signV3(p1Input, {
      accessKeyId: 'testid',
      accessKeySecret: 'testsecret',
      securityToken: 'test-sts-token',
    });
    expect(out.signedHeaders).toBe(
      'host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version',
    );
    expect(out.hashedCanonicalRequest).toBe(
      'a3736a09904f78053ca98cfda3119085f3c2312580b4a86efff1c598f5f01c5e',
    );
    expect(out.signature).toBe('b3581b959fe841dbbdcf42f6bbaa04a9fcbe11320e7cd550036ebd0138367477');
    expect(out.headers['x-acs-accesskey-id']).toBe('testid');
    expect(out.headers['x-acs-security-token']).toBe('test-sts-token');
  });

  it('hashes the body and signs content-type when given', () => {
    const out = signV3(
      { ...p1Input, query: {}, body: 'A=1', contentType: 'application/x-www-form-urlencoded' },
      { accessKeyId: 'testid', accessKeySecret: 'testsecret' },
    );
    // sha256sum of the three bytes 'A=1'
    expect(out.headers['x-acs-content-sha256']).toBe(
      'f1d316d330440dea46d96ad43f6562ff9411c1b84700794dcd584f18146a18f6',
    );
    expect(
      out.canonicalRequest.endsWith('\nf1d316d330440dea46d96ad43f6562ff9411c1b84700794dcd584f18146a18f6'),
    ).toBe(true);
    expect(out.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(out.signedHeaders.split(';')[0]).toBe('content-type');
    expect(out.canonicalRequest.split('\n')[2]).toBe('');
  });
});

describe('V1 HMAC-SHA1', () => {
  it('V1-A (DescribeDedicatedHosts): canonical query, string-to-sign, signature', () => {
    const out = signV1(
      {
        method: 'GET',
        params: {
          AccessKeyId: 'testid',
          Action: 'DescribeDedicatedHosts',
          Format: 'JSON',
          RegionId: 'cn-beijing',
          SignatureMethod: 'HMAC-SHA1',
          SignatureNonce: 'edb2b34af0af9a6d14deaf7c1a5315eb',
          SignatureVersion: '1.0',
          Timestamp: '2023-03-13T08:34:30Z',
          Version: '2014-05-26',
        },
      },
      'testsecret',
    );
    expect(out.canonicalizedQueryString).toBe(
      'AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26',
    );
    expect(out.stringToSign).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeDedicatedHosts%26Format%3DJSON%26RegionId%3Dcn-beijing%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dedb2b34af0af9a6d14deaf7c1a5315eb%26SignatureVersion%3D1.0%26Timestamp%3D2023-03-13T08%253A34%253A30Z%26Version%3D2014-05-26',
    );
    expect(out.signature).toBe('9NaGiOspFP5UPcwX8Iwt2YJXXuk=');
    expect(out.queryString).toBe(`${out.canonicalizedQueryString}&Signature=9NaGiOspFP5UPcwX8Iwt2YJXXuk%3D`);
  });

  const describeRegions = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Version: '2014-05-26',
  };

  it('V1-B (DescribeRegions, Timestamp): string-to-sign and signature', () => {
    const out = signV1(
      { method: 'GET', params: { ...describeRegions, Timestamp: '2016-02-23T12:46:24Z' } },
      'testsecret',
    );
    expect(out.stringToSign).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(out.signature).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    // '+' and '=' of a base64 signature must be encoded in the query.
    expect(out.queryString.endsWith('&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D')).toBe(true);
  });

  it('V1-C (DescribeRegions, TimeStamp spelling): signature', () => {
    const out = signV1(
      { method: 'GET', params: { ...describeRegions, TimeStamp: '2016-02-23T12:46:24Z' } },
      'testsecret',
    );
    expect(out.signature).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  });

  it('V1-D (SendSms, UTF-8 and JSON values): canonical query, string-to-sign, signature', () => {
    const out = signV1(
      {
        method: 'GET',
        params: {
          AccessKeyId: 'testId',
          Action: 'SendSms',
          Format: 'XML',
          OutId: '123',
          PhoneNumbers: '15300000001',
          RegionId: 'cn-hangzhou',
          SignName: '阿里云短信测试专用',
          SignatureMethod: 'HMAC-SHA1',
          SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
          SignatureVersion: '1.0',
          TemplateCode: 'SMS_71390007',
          TemplateParam: '{"customer":"test"}',
          Timestamp: '2017-07-12T02:42:19Z',
          Version: '2017-05-25',
        },
      },
      'testSecret',
    );
    expect(out.canonicalizedQueryString).toBe(
      'AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25',
    );
    expect(out.stringToSign).toBe(
      'GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25',
    );
    expect(out.signature).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('V1-F (SingleCallByTts on dyvmsapi): signature', () => {
    const out = signV1(
      {
        method: 'GET',
        params: {
          AccessKeyId: 'testId',
          Action: 'SingleCallByTts',
          CalledNumber: '13000000000',
          CalledShowNumber: '057112345678',
          Format: 'XML',
          OutId: '123',
          RegionId: 'cn-hangzhou',
          SignatureMethod: 'HMAC-SHA1',
          SignatureNonce: 'f7d2d4ef-6d5f-4da4-86ed-88e001a66abb',
          SignatureVersion: '1.0',
          Timestamp: '2017-09-28T14:31:56Z',
          TtsCode: 'TTS_0000000',
          TtsParam: '{"code":"1234","product":"test"}',
          Version: '2017-05-25',
        },
      },
      'testSecret',
    );
    expect(out.signature).toBe('aMfgrx8DLS7vLfpeR1c2rrKLr0Q=');
  });

  it('signs the method: the same parameters give another signature for POST', () => {
    const params = { ...describeRegions, Timestamp: '2016-02-23T12:46:24Z' };
    const post = signV1({ method: 'POST', params }, 'testsecret');
    expect(post.stringToSign.startsWith('POST&%2F&')).toBe(true);
    expect(post.signature).not.toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('never signs a Signature parameter', () => {
    const params = { ...describeRegions, Timestamp: '2016-02-23T12:46:24Z' };
    expect(signV1({ method: 'GET', params: { ...params, Signature: 'x' } }, 'testsecret').signature).toBe(
      'OLeaidS1JvxuMvnyHOwuJ+uX5qY=',
    );
  });

  it('v1CommonParams', () => {
    const base = {
      action: 'CloudListCurlLog',
      version: '2017-05-25',
      accessKeyId: 'testid',
      nonce: 'n1',
      timestamp: '2026-05-01T00:00:00Z',
    };
    expect(v1CommonParams(base)).toEqual({
      Action: 'CloudListCurlLog',
      Version: '2017-05-25',
      Format: 'JSON',
      AccessKeyId: 'testid',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: 'n1',
      Timestamp: '2026-05-01T00:00:00Z',
    });
    expect(v1CommonParams({ ...base, securityToken: 'tok' }).SecurityToken).toBe('tok');
  });
});

describe('helpers', () => {
  it('acsDate drops milliseconds', () => {
    expect(acsDate(Date.UTC(2026, 4, 1, 0, 0, 0, 999))).toBe('2026-05-01T00:00:00Z');
  });

  it('newNonce is 32 lower-case hex characters and fresh', () => {
    const a = newNonce();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newNonce()).not.toBe(a);
  });
});
