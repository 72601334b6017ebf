// Helpers for the OGC API - Features tests: create a personal access token through the real route, read
// /ogc resources with it, and walk `next` links to the end of a collection.
import type { Session } from '../helpers/auth';

export interface CreatedToken {
  id: number;
  token: string;
  name: string;
  expiresAt: string;
}

export async function createToken(baseUrl: string, s: Session, name = 'QGIS test', expiresInDays?: number): Promise<CreatedToken> {
  const res = await fetch(`${baseUrl}/api/auth/tokens`, {
    method: 'POST',
    headers: s.headers,
    body: JSON.stringify({ name, ...(expiresInDays !== undefined ? { expiresInDays } : {}) }),
  });
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedToken;
}

export interface OgcAnswer<T = Record<string, unknown>> {
  status: number;
  type: string;
  headers: Headers;
  body: T;
}

/** GET an absolute URL or a path under baseUrl with the bearer token (or none). */
export async function ogcGet<T = Record<string, unknown>>(url: string, token?: string, headers: Record<string, string> = {}): Promise<OgcAnswer<T>> {
  const res = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: JSON.parse(text) as T };
}

export interface Link {
  href: string;
  rel: string;
  type: string;
}

export interface FeatureCollection {
  type: string;
  features: Array<{ type: string; id: number; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }>;
  links: Link[];
  numberMatched: number;
  numberReturned: number;
  timeStamp: string;
}

/** Follows `next` from `firstUrl` to the last page; answers every page. */
export async function walkPages(firstUrl: string, token: string, maxPages = 10_000): Promise<FeatureCollection[]> {
  const pages: FeatureCollection[] = [];
  let url: string | undefined = firstUrl;
  while (url) {
    const got: OgcAnswer<FeatureCollection> = await ogcGet<FeatureCollection>(url, token);
    if (got.status !== 200) throw new Error(`${url} → ${got.status} ${JSON.stringify(got.body)}`);
    pages.push(got.body);
    url = got.body.links.find((l) => l.rel === 'next')?.href;
    if (pages.length > maxPages) throw new Error('next links do not end');
  }
  return pages;
}
