import type Joi from 'joi';
import { type FieldError, HttpError } from './http-error.js';

function fieldName(path: (string | number)[], fallback: string): string {
  if (path.length === 0) return fallback;
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

export function toFieldErrors(error: Joi.ValidationError, fallback = 'body'): FieldError[] {
  return error.details.map((d) => ({ field: fieldName(d.path, fallback), message: d.message.replace(/"/g, "'") }));
}

/** Validates `value` against a joi schema: the converted value, or a 422 naming every bad field. */
export function validate<T>(schema: Joi.Schema<T>, value: unknown, fallback = 'body'): T {
  const result = schema.validate(value, { abortEarly: false, stripUnknown: true, convert: true });
  if (result.error) throw HttpError.validation(toFieldErrors(result.error, fallback));
  return result.value as T;
}
