import type { Organization } from '@triggers/db';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from '../http/http-error.js';
import type { KeyVerifier } from './key-verifier.js';

declare global {
  namespace Express {
    interface Locals {
      org: Organization;
    }
  }
}

/** The key from `X-API-Key`, or from `Authorization: Bearer`. */
export function presentedKey(req: Request): string | undefined {
  const header = req.get('x-api-key');
  if (header !== undefined) return header.trim();
  const authorization = req.get('authorization');
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match ? (match[1] as string).trim() : '';
}

/** Puts the calling organization on `res.locals.org`, or answers 401. */
export function authenticate(verifier: KeyVerifier): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    if (key === undefined) throw new HttpError(401, 'missing_api_key', 'Missing API key');
    const org = await verifier.verify(key);
    if (!org) throw new HttpError(401, 'invalid_api_key', 'Invalid API key');
    res.locals.org = org;
    next();
  };
}
