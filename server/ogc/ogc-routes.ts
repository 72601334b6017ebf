// OGC API - Features Part 1 (core, GeoJSON, OpenAPI 3.0) under /ogc, so QGIS and GDAL's ogr2ogr read the
// street's layers without a plug-in: landing page, /conformance, /api, /collections, /collections/{id},
// /collections/{id}/items (bbox, datetime, property filters, limit/offset with next/prev links) and
// /collections/{id}/items/{featureId}. Who may read: the map's roles, with a session cookie or a personal
// access token (Authorization: Bearer, server/auth/api-tokens.ts); a grid worker sees only their grid.
// Errors answer in the spec's exception shape {code, description} with our stable code.
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { AppError, isAppError } from '../../common/errors';
import type { Queryable } from '../db/db';
import type { Logger } from '../logger';
import type { Clock } from '../clock';
import { requireRole } from '../auth/identity';
import { scopeOf } from '../auth/scope';
import { fromDbError } from '../http/error-handler';
import { OGC_COLLECTIONS, type OgcCollection } from './collections';
import { parseItemsQuery } from './ogc-query';
import { collectionExtent, itemsPage, oneFeature } from './ogc-store';
import { OPENAPI_MEDIA_TYPE, featureSchema, openApiDocument } from './openapi';

/** The map's roles (server/layers/layer-routes.ts): the same people read the same layers here. */
export const OGC_ROLES = ['wall', 'dispatcher', 'planner', 'leader', 'admin', 'worker'] as const;

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
];
export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const GREGORIAN = 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian';
const JSON_TYPE = 'application/json';
const GEOJSON_TYPE = 'application/geo+json';

export interface OgcRouteDeps {
  db: Queryable;
  clock: Clock;
  logger: Logger;
  /** Origin clients use (behind a proxy); else the request's protocol and Host. */
  publicOrigin?: string;
}

interface Link {
  href: string;
  rel: string;
  type: string;
  title?: string;
}

function send(res: Response, type: string, body: unknown): void {
  res.set('Cache-Control', 'private, no-cache');
  res.type(type).send(JSON.stringify(body));
}

/** Only `f=json` (our one encoding) may accompany the metadata resources. */
function noParams(req: Request): void {
  for (const [k, v] of Object.entries(req.query)) {
    if (k === 'f' && (v === 'json' || v === 'geojson')) continue;
    throw new AppError('VALIDATION_ERROR', `unknown query parameter "${k.slice(0, 40)}": this resource takes none (f=json at most)`, `query.${k}`);
  }
}

function collectionOrThrow(id: string): OgcCollection {
  const col = OGC_COLLECTIONS.get(id);
  if (!col) throw new AppError('NOT_FOUND', `no collection "${id.slice(0, 60)}"; collections: ${[...OGC_COLLECTIONS.keys()].join(', ')}`, 'path.collectionId');
  return col;
}

export function ogcRoutes(deps: OgcRouteDeps): Router {
  const { db } = deps;
  const r = Router();
  const auth = requireRole(...OGC_ROLES);
  const baseOf = (req: Request) =>
    (deps.publicOrigin ? deps.publicOrigin.replace(/\/+$/, '') : `${req.protocol}://${req.get('host') ?? 'localhost'}`) + req.baseUrl;

  const collectionLinks = (base: string, col: OgcCollection): Link[] => [
    { href: `${base}/collections/${col.id}`, rel: 'self', type: JSON_TYPE, title: col.title },
    { href: `${base}/collections/${col.id}/items`, rel: 'items', type: GEOJSON_TYPE, title: `${col.title} (GeoJSON)` },
    { href: `${base}/collections/${col.id}/schema`, rel: 'describedby', type: 'application/schema+json', title: 'JSON Schema of a feature' },
  ];
  const describe = async (req: Request, col: OgcCollection) => {
    const base = baseOf(req);
    const ext = await collectionExtent(db, col, scopeOf(req));
    return {
      id: col.id,
      title: col.title,
      description: col.description,
      itemType: 'feature',
      crs: [CRS84],
      extent: {
        // spec: CRS84 [minLon, minLat, maxLon, maxLat]; an empty collection (or an empty grid) says the world
        spatial: { bbox: [ext.bbox ?? [-180, -90, 180, 90]], crs: CRS84 },
        ...(ext.interval ? { temporal: { interval: [ext.interval], trs: GREGORIAN } } : {}),
      },
      links: collectionLinks(base, col),
    };
  };

  r.get('/', auth, (req, res) => {
    noParams(req);
    const base = baseOf(req);
    send(res, JSON_TYPE, {
      title: '网格指挥中心 · 街道图层 (OGC API - Features)',
      description: 'Communities, grids, buildings, facilities, parking lots and violation points of the street, for desktop GIS',
      links: [
        { href: base, rel: 'self', type: JSON_TYPE, title: 'this document' },
        { href: `${base}/api`, rel: 'service-desc', type: OPENAPI_MEDIA_TYPE, title: 'the API definition (OpenAPI 3.0)' },
        { href: `${base}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'conformance classes' },
        { href: `${base}/collections`, rel: 'data', type: JSON_TYPE, title: 'the collections' },
      ],
    });
  });

  r.get('/conformance', auth, (req, res) => {
    noParams(req);
    send(res, JSON_TYPE, { conformsTo: CONFORMANCE });
  });

  r.get('/api', auth, (req, res) => {
    noParams(req);
    send(res, OPENAPI_MEDIA_TYPE, openApiDocument(baseOf(req)));
  });

  r.get('/collections', auth, async (req, res) => {
    noParams(req);
    const base = baseOf(req);
    const collections = [];
    for (const col of OGC_COLLECTIONS.values()) collections.push(await describe(req, col));
    send(res, JSON_TYPE, { links: [{ href: `${base}/collections`, rel: 'self', type: JSON_TYPE, title: 'this document' }], collections });
  });

  r.get('/collections/:collectionId', auth, async (req, res) => {
    const col = collectionOrThrow(String(req.params.collectionId));
    noParams(req);
    send(res, JSON_TYPE, await describe(req, col));
  });

  r.get('/collections/:collectionId/schema', auth, (req, res) => {
    const col = collectionOrThrow(String(req.params.collectionId));
    noParams(req);
    send(res, 'application/schema+json', featureSchema(col, `${baseOf(req)}/collections/${col.id}/schema`));
  });

  r.get('/collections/:collectionId/items', auth, async (req, res) => {
    const col = collectionOrThrow(String(req.params.collectionId));
    const q = parseItemsQuery(col, req.query as Record<string, unknown>);
    const { features, numberMatched } = await itemsPage(db, col, q, scopeOf(req));
    const base = `${baseOf(req)}/collections/${col.id}/items`;
    const href = (offset: number) => {
      const params = new URLSearchParams(q.carry);
      if (!params.has('limit')) params.set('limit', String(q.limit));
      if (offset > 0) params.set('offset', String(offset));
      return `${base}?${params.toString()}`;
    };
    const links: Link[] = [
      { href: href(q.offset), rel: 'self', type: GEOJSON_TYPE, title: 'this page' },
      { href: `${baseOf(req)}/collections/${col.id}`, rel: 'collection', type: JSON_TYPE, title: col.title },
    ];
    if (q.offset + features.length < numberMatched && features.length > 0) links.push({ href: href(q.offset + q.limit), rel: 'next', type: GEOJSON_TYPE, title: 'next page' });
    if (q.offset > 0) links.push({ href: href(Math.max(0, q.offset - q.limit)), rel: 'prev', type: GEOJSON_TYPE, title: 'previous page' });
    send(res, GEOJSON_TYPE, {
      type: 'FeatureCollection',
      features,
      links,
      timeStamp: deps.clock.now().toISOString(),
      numberMatched,
      numberReturned: features.length,
    });
  });

  r.get('/collections/:collectionId/items/:featureId', auth, async (req, res) => {
    const col = collectionOrThrow(String(req.params.collectionId));
    noParams(req);
    const raw = String(req.params.featureId);
    const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : NaN;
    // a feature outside a worker's grid answers like one that does not exist (no hint that it does)
    const feature = Number.isFinite(id) && id <= 2_147_483_647 ? await oneFeature(db, col, id, scopeOf(req)) : undefined;
    if (!feature) throw new AppError('NOT_FOUND', `no feature "${raw.slice(0, 30)}" in "${col.id}"`, 'path.featureId');
    const base = baseOf(req);
    send(res, GEOJSON_TYPE, {
      ...feature,
      links: [
        { href: `${base}/collections/${col.id}/items/${feature.id}`, rel: 'self', type: GEOJSON_TYPE, title: 'this feature' },
        { href: `${base}/collections/${col.id}`, rel: 'collection', type: JSON_TYPE, title: col.title },
      ],
    });
  });

  r.use((req, _res, next) => next(new AppError('NOT_FOUND', `no resource ${req.method} ${req.originalUrl.split('?')[0].slice(0, 100)} in this OGC API`)));
  r.use(ogcErrorHandler(deps.logger));
  return r;
}

/**
 * Errors as the spec's exception document: {code, description}, plus the field to blame. The router ends
 * with it; mounted after the router too, it also answers what fails before the router (the session
 * middleware refusing a token's write, a database outage while resolving the token).
 */
export function ogcErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: AppError | undefined = isAppError(err) ? err : fromDbError(err);
    if (!e) {
      logger.error({ err, url: req.originalUrl }, 'unhandled error in OGC API');
      e = new AppError('INTERNAL', 'internal error; it has been logged');
    }
    if (res.headersSent) return;
    // A desktop client told how to authenticate (RFC 6750, RFC 7617) asks its user for the token instead of
    // failing silently; QGIS answers the Basic challenge with the token typed as the password.
    if (e.status === 401) res.set('WWW-Authenticate', 'Bearer realm="gcc-ogc", Basic realm="gcc-ogc", charset="UTF-8"');
    res.status(e.status).type(JSON_TYPE).send(JSON.stringify({ code: e.code, description: e.message, ...(e.field ? { field: e.field } : {}) }));
  };
}
