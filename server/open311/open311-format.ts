// Open311 GeoReport v2 answers in both of the spec's formats: `.json` and `.xml`. The XML follows the spec's
// documented documents — <services><service>…, <service_requests><request>…, <discovery>…<endpoints>
// <endpoint>…<formats><format>…, and errors as <errors><error><code/><description/></error></errors>.
import type { Request, Response } from 'express';

export const OPEN311_FORMATS = ['json', 'xml'] as const;
export type Open311Format = (typeof OPEN311_FORMATS)[number];

/** The format a path asks for (by its extension); JSON when it names none we know (errors must still answer). */
export function formatOfPath(path: string): Open311Format {
  return /\.xml$/i.test(path.split('?')[0]) ? 'xml' : 'json';
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string)
  // Characters XML 1.0 cannot carry at all are dropped rather than producing a document no parser reads.
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

/** Item element names for arrays inside a document (the spec's plural → singular pairs). */
const ITEM_TAG: Record<string, string> = { services: 'service', service_requests: 'request', endpoints: 'endpoint', formats: 'format', errors: 'error', attributes: 'attribute', values: 'value' };

function element(tag: string, value: unknown): string {
  if (value === null || value === undefined) return `<${tag}/>`;
  if (Array.isArray(value)) {
    const item = ITEM_TAG[tag] ?? 'item';
    return `<${tag}>${value.map((v) => element(item, v)).join('')}</${tag}>`;
  }
  if (typeof value === 'object') {
    return `<${tag}>${Object.entries(value as Record<string, unknown>).map(([k, v]) => element(k, v)).join('')}</${tag}>`;
  }
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** An XML document whose root is `root` holding `value` (an array becomes repeated item elements). */
export function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value)}`;
}

/** Sends `body` as JSON, or as the spec's XML document with root element `root`. */
export function sendOpen311(res: Response, format: Open311Format, root: string, body: unknown, status = 200): void {
  res.status(status);
  if (format === 'xml') res.type('text/xml; charset=utf-8').send(toXml(root, body));
  else res.json(body);
}

/**
 * The absolute base URL clients should use: the configured public origin (behind a proxy), else the
 * request's own protocol and Host (Express's req.protocol honours X-Forwarded-Proto only with trust proxy).
 */
export function publicBase(req: Request, publicOrigin: string | undefined): string {
  if (publicOrigin) return publicOrigin.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
