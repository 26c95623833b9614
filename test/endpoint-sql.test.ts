import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ENDPOINT_MACROS } from '../pipeline/transform/index.js';

async function endpointsOf(urls: string[]): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(ENDPOINT_MACROS);
    const out: string[] = [];
    for (const url of urls) {
      const reader = await connection.runAndReadAll(`SELECT endpoint_of($1) AS e`, [url]);
      out.push(String(reader.getRowObjects()[0]?.e));
    }
    return out;
  } finally {
    connection.closeSync();
  }
}

describe('endpoint_of (metrics.md byEndpoint): never a secret', () => {
  it('drops user info, query and fragment; lower-cases scheme and host', async () => {
    expect(
      await endpointsOf([
        'HTTPS://Hooks.Example.COM:8443/cc/Agent?token=abc#frag',
        'https://bob:p@ss@host.example.com/x?y=1',
        'https://bob:secret@host.example.com',
        'bob:hunter2@hook.example.com/cb?sign=1',
        '  ',
      ]),
    ).toEqual([
      'https://hooks.example.com:8443/cc/Agent',
      'https://host.example.com/x',
      'https://host.example.com/',
      'hook.example.com/cb',
      '(none)',
    ]);
  });
});
