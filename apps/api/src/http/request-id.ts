import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const ACCEPTABLE = /^[\w.:@/+=-]{1,200}$/;

declare global {
  namespace Express {
    interface Request {
      id: string;
    }
  }
}

/** Echoes a sane caller-supplied X-Request-ID, else makes one; every response carries it. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-request-id');
  req.id = given && ACCEPTABLE.test(given) ? given : randomUUID();
  res.setHeader('X-Request-ID', req.id);
  next();
}
