// Validation at the boundary: every body, query and params object goes through a zod schema once, and a
// failure becomes VALIDATION_ERROR naming the field.
import type { z } from 'zod';
import { AppError } from '../../common/errors';

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'payload'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [where, ...issue.path.map(String)].join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} in ${field}: remove them`
      : `${field}: ${issue.message}`;
  const badField = issue.code === 'unrecognized_keys' ? `${field}.${issue.keys[0]}` : field;
  throw new AppError('VALIDATION_ERROR', message, badField);
}
