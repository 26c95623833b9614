// STUB: interface agreed between the simulator server and helper A, who implements it.
import type { IncomingHttpHeaders } from 'node:http';

export interface VerifierKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** when set, STS requests must carry exactly this token */
  securityToken?: string | undefined;
}

export interface SignedRequestIn {
  method: string;
  /** the part of the URL after '?', undecoded ('' when none) */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Verification =
  | {
      ok: true;
      scheme: 'v3' | 'v1';
      action: string;
      version: string;
      /** decoded business parameters (V1: with the common parameters removed) */
      params: Record<string, string>;
    }
  | { ok: false; httpStatus: number; code: string; message: string };

export interface VerifierOptions {
  keys: VerifierKey[];
  now?: () => number;
  /** allowed clock skew, default 15 minutes */
  maxSkewMs?: number;
}

export function createVerifier(_options: VerifierOptions): { verify(request: SignedRequestIn): Verification } {
  throw new Error('not implemented');
}
