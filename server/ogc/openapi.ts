// The API definition served at /ogc/api (OpenAPI 3.0, as OGC API - Features Part 1 §7.3 and its "oas30"
// conformance class ask). One path per collection lists exactly the query parameters that collection takes:
// GDAL's OAPIF driver reads them to learn which attribute filters it can send to the server.
import { OGC_COLLECTIONS, type OgcCollection, type PropertyType } from './collections';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET } from './ogc-query';

export const OPENAPI_MEDIA_TYPE = 'application/vnd.oai.openapi+json;version=3.0';

const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: string, type = 'application/json') => ({ content: { [type]: { schema: { $ref: `#/components/schemas/${schema}` } } } });

const ERRORS = {
  '400': { description: 'A query parameter is unknown or has a bad value', ...json('exception') },
  '401': { description: 'No valid session or access token (UNAUTHENTICATED, SESSION_EXPIRED, TOKEN_EXPIRED, TOKEN_REVOKED)', ...json('exception') },
  '403': { description: 'The role may not read these layers', ...json('exception') },
};

export function propertySchema(type: PropertyType): Record<string, unknown> {
  return type === 'date-time' ? { type: 'string', format: 'date-time' } : { type };
}

function itemsParameters(col: OgcCollection): unknown[] {
  const own = Object.entries(col.queryables).map(([name, q]) => ({
    name,
    in: 'query',
    required: false,
    description: `features whose ${name} equals this value`,
    schema: q.type === 'integer' ? { type: 'integer' } : { type: 'string', ...(q.enum ? { enum: [...q.enum] } : {}) },
    style: 'form',
    explode: false,
  }));
  return [ref('limit'), ref('offset'), ref('bbox'), ...(col.time ? [ref('datetime')] : []), ...own];
}

export function openApiDocument(base: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    '/': { get: { summary: 'Landing page', operationId: 'getLandingPage', responses: { '200': { description: 'Links to the API definition, conformance and collections', ...json('landingPage') }, ...ERRORS } } },
    '/conformance': { get: { summary: 'Conformance classes implemented', operationId: 'getConformance', responses: { '200': { description: 'conformsTo', ...json('confClasses') }, ...ERRORS } } },
    '/api': { get: { summary: 'This API definition', operationId: 'getApi', responses: { '200': { description: 'OpenAPI 3.0 document', content: { [OPENAPI_MEDIA_TYPE]: {} } } } } },
    '/collections': { get: { summary: 'The feature collections', operationId: 'getCollections', responses: { '200': { description: 'collections', ...json('collections') }, ...ERRORS } } },
  };
  // The generic items path too: clients that look the limit's maximum and default up there (QGIS) find them.
  paths['/collections/{collectionId}/items'] = {
    get: {
      summary: 'Features of a collection (each collection also has its own path with its filters)',
      operationId: 'getFeatures',
      parameters: [{ name: 'collectionId', in: 'path', required: true, schema: { type: 'string', enum: [...OGC_COLLECTIONS.keys()] } }, ref('limit'), ref('offset'), ref('bbox')],
      responses: { '200': { description: 'GeoJSON FeatureCollection', ...json('featureCollectionGeoJSON', 'application/geo+json') }, ...ERRORS },
    },
  };
  for (const col of OGC_COLLECTIONS.values()) {
    paths[`/collections/${col.id}`] = {
      get: { summary: `${col.title}: description`, operationId: `describe_${col.id}`, responses: { '200': { description: 'collection', ...json('collection') }, ...ERRORS, '404': { description: 'not found', ...json('exception') } } },
    };
    paths[`/collections/${col.id}/items`] = {
      get: {
        summary: `${col.title}: features`,
        operationId: `items_${col.id}`,
        parameters: itemsParameters(col),
        responses: { '200': { description: 'GeoJSON FeatureCollection', ...json('featureCollectionGeoJSON', 'application/geo+json') }, ...ERRORS },
      },
    };
    paths[`/collections/${col.id}/items/{featureId}`] = {
      get: {
        summary: `${col.title}: one feature`,
        operationId: `feature_${col.id}`,
        parameters: [ref('featureId')],
        responses: { '200': { description: 'GeoJSON Feature', ...json('featureGeoJSON', 'application/geo+json') }, ...ERRORS, '404': { description: 'no such feature, or outside your grid', ...json('exception') } },
      },
    };
    paths[`/collections/${col.id}/schema`] = {
      get: { summary: `${col.title}: JSON Schema of a feature`, operationId: `schema_${col.id}`, responses: { '200': { description: 'JSON Schema', content: { 'application/schema+json': {} } } } },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: '网格指挥中心 OGC API - Features',
      version: '1.0.0',
      description:
        'The street map layers for desktop GIS (QGIS, GDAL). Sign in with a session, or send a personal access token as ' +
        '"Authorization: Bearer gcc_pat_…", or as the password of HTTP Basic (any user name) (create one with POST ' +
        '/api/auth/tokens). A grid worker sees only their grid.',
    },
    servers: [{ url: base }],
    security: [{ bearerToken: [] }, { basicToken: [] }, { sessionCookie: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'personal access token (gcc_pat_…), read-only' },
        basicToken: { type: 'http', scheme: 'basic', description: 'the personal access token as the password (any user name); an account password is not accepted' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'gcc_session' },
      },
      parameters: {
        limit: { name: 'limit', in: 'query', required: false, description: `features per page (at most ${MAX_LIMIT}; more is served as ${MAX_LIMIT})`, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }, style: 'form', explode: false },
        offset: { name: 'offset', in: 'query', required: false, description: 'features to skip (follow the next link rather than counting)', schema: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 }, style: 'form', explode: false },
        bbox: {
          name: 'bbox',
          in: 'query',
          required: false,
          description: 'minLon,minLat,maxLon,maxLat in CRS84 (WGS 84 longitude, latitude); features whose geometry intersects it',
          schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } },
          style: 'form',
          explode: false,
        },
        datetime: {
          name: 'datetime',
          in: 'query',
          required: false,
          description: 'RFC 3339 instant or interval (start/end, ../end, start/..); a bare date is that day in Asia/Shanghai',
          schema: { type: 'string' },
          style: 'form',
          explode: false,
        },
        featureId: { name: 'featureId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
      },
      schemas: {
        exception: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, description: { type: 'string' }, field: { type: 'string' } } },
        link: { type: 'object', required: ['href'], properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' } } },
        landingPage: { type: 'object', required: ['links'], properties: { title: { type: 'string' }, description: { type: 'string' }, links: { type: 'array', items: { $ref: '#/components/schemas/link' } } } },
        confClasses: { type: 'object', required: ['conformsTo'], properties: { conformsTo: { type: 'array', items: { type: 'string' } } } },
        collection: { type: 'object', required: ['id', 'links'], properties: { id: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, links: { type: 'array', items: { $ref: '#/components/schemas/link' } }, extent: { type: 'object' }, itemType: { type: 'string' }, crs: { type: 'array', items: { type: 'string' } } } },
        collections: { type: 'object', required: ['links', 'collections'], properties: { links: { type: 'array', items: { $ref: '#/components/schemas/link' } }, collections: { type: 'array', items: { $ref: '#/components/schemas/collection' } } } },
        featureGeoJSON: { type: 'object', required: ['type', 'geometry', 'properties'], properties: { type: { type: 'string', enum: ['Feature'] }, id: { type: 'integer' }, geometry: { type: 'object' }, properties: { type: 'object' } } },
        featureCollectionGeoJSON: {
          type: 'object',
          required: ['type', 'features'],
          properties: {
            type: { type: 'string', enum: ['FeatureCollection'] },
            features: { type: 'array', items: { $ref: '#/components/schemas/featureGeoJSON' } },
            links: { type: 'array', items: { $ref: '#/components/schemas/link' } },
            timeStamp: { type: 'string', format: 'date-time' },
            numberMatched: { type: 'integer', minimum: 0 },
            numberReturned: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
  };
}

/** JSON Schema of one feature of the collection (rel=describedBy): GDAL types its fields from it. */
export function featureSchema(col: OgcCollection, href: string): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2019-09/schema',
    $id: href,
    title: col.title,
    type: 'object',
    required: ['type', 'geometry', 'properties'],
    properties: {
      type: { type: 'string', enum: ['Feature'] },
      id: { type: 'integer' },
      geometry: { type: 'object', description: `GeoJSON ${col.geometryType} in CRS84` },
      properties: {
        type: 'object',
        // `id` is left out: GDAL takes it from the features themselves and would otherwise add it twice
        properties: Object.fromEntries(Object.entries(col.properties).filter(([k]) => k !== 'id').map(([k, t]) => [k, propertySchema(t)])),
      },
    },
  };
}
