// Composition root: builds the HTTP app, Socket.IO and the services from injected dependencies. Only
// server/main.ts reads configuration and listens; tests call createApp() with their own db and clock.
//
// Each capability owns a section below. Keep a section to wiring: logic lives in the module it calls.
import http from 'node:http';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Server as SocketServer } from 'socket.io';
import type { Db } from './db/db';
import { accessRuleOf, type Config } from './config';
import type { Logger } from './logger';
import type { Clock } from './clock';
import { createReadiness, type Readiness } from './readiness';
import { healthRoutes } from './http/health-routes';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { installIncidents } from './incidents/install-incidents';
import { createRealtime, REALTIME_RECOVERY_WINDOW_MS } from './realtime/create-realtime';
import { layerRoutes } from './layers/layer-routes';
import { basemapRoutes } from './basemap/basemap-routes';
import { installAuth } from './auth/create-auth';
import { createTileService, type TileService } from './tiles/tile-service';
import { tileRoutes } from './tiles/tile-routes';
import { invalidateTilesFor } from './tiles/tile-invalidation';
import { insightRoutes } from './insight/insight-routes';
import { CoverageEngine } from './coverage/coverage-engine';
import { coverageRoutes } from './coverage/coverage-routes';
import { photoRoutes } from './photos/photo-routes';
import { publicJsonParser, residentRoutes } from './resident/resident-routes';
import { publicMapRoutes } from './resident/public-map-routes';
import { residentPhotoRoutes } from './resident/resident-photo-routes';
import { createResidentService, DEFAULT_POW } from './resident/resident-service';
import { datasetRoutes } from './dataset/dataset-routes';
import { adminRoutes } from './admin/admin-routes';
import { ogcErrorHandler, ogcRoutes } from './ogc/ogc-routes';
import { uploadRoutes } from './import/upload-routes';
import { PUBLIC_SPA_ROUTES, SPA_ROUTES } from './spa-routes';
import { sendShell, staticClientRoutes } from './http/static-client';

export interface AppDeps {
  db: Db;
  config: Config;
  logger: Logger;
  clock: Clock;
}

export interface App {
  readonly app: express.Express;
  readonly server: http.Server;
  readonly io: SocketServer;
  readonly readiness: Readiness;
  /** The vector-tile cache (benchmarks empty it between rounds to measure cold tiles). */
  readonly tiles: TileService;
  /** Starts background work (event publisher, escalation job …) once the database is initialised. */
  start(): Promise<void>;
  /** Stops background work and closes sockets and the HTTP server (not the database: its owner closes it). */
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLIENT_DIST = path.join(ROOT, 'dist', 'client');

/** JSON bodies above this are refused with 413 PAYLOAD_TOO_LARGE (imports use their own upload route). */
export const JSON_BODY_LIMIT = '1mb';

export async function createApp(deps: AppDeps): Promise<App> {
  const { db, config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const server = http.createServer(app);
  // Idle keep-alive sockets live longer than a client's busy pause (a phone solving the proof of work, a
  // browser tab in the background): with Node's 5 s default, the server closes a socket just as the client
  // reuses it and the request fails with ECONNRESET. headersTimeout must stay above keepAliveTimeout.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const io = new SocketServer(server, {
    maxHttpBufferSize: 1e5,
    serveClient: false,
    // Fast path only (ENGINEERING.md §3): clients always resync from their last event id after a reconnect.
    connectionStateRecovery: { maxDisconnectionDuration: REALTIME_RECOVERY_WINDOW_MS, skipMiddlewares: false },
  });
  const readiness = createReadiness(db);
  const starters: Array<() => Promise<void>> = [];
  const stoppers: Array<() => Promise<void>> = [];

  // --- security headers, sessions, CSRF (auth) ---------------------------------------------------------
  const auth = installAuth(app, io, deps);
  starters.push(() => auth.start());
  stoppers.push(() => auth.stop());

  // --- vector tiles: mounted right after identity (helmet, session, CSRF check above still run), ahead of
  // the body parsers and the other routers, which a GET of a tile never needs (issue 15 item 3). The cache is
  // emptied from the committed events of every process (tile-invalidation.ts), wired below with realtime.
  const tiles = createTileService(db);
  app.use(tileRoutes(tiles, { db, publicOrigin: config.PUBLIC_ORIGIN }));

  // Public (no account) bodies stop at 16 KB; this parser runs first, so the 1 MB one below skips them.
  app.use('/api/public', publicJsonParser());
  app.use(express.json({ limit: JSON_BODY_LIMIT }));
  app.use(healthRoutes(db, readiness, config.NODE_ID));

  // --- administration: accounts and the audit log viewer (issue 14) -------------------------------------
  app.use('/api/admin', adminRoutes({ db, clock: deps.clock, sessions: auth }));

  // --- realtime: events, outbox publisher, socket handlers ----------------------------------------------
  const realtime = createRealtime({ db, io, config, logger, clock: deps.clock });
  app.use('/api/live', realtime.router);
  realtime.publisher.onPushed((events) => invalidateTilesFor(tiles, events));
  starters.push(() => realtime.start());
  stoppers.push(() => realtime.stop());

  // --- map layers and basemap ---------------------------------------------------------------------------
  app.use(layerRoutes({ db, clock: deps.clock }));
  app.use(basemapRoutes({ db }));
  app.use(datasetRoutes({ db }));
  // Staged uploads of the admin import page: rows in the database, files under IMPORT_STAGE_DIR (survive a restart).
  const uploads = uploadRoutes({
    db, clock: deps.clock, logger, maxBytes: Math.round(config.IMPORT_MAX_MB * 2 ** 20), ttlMs: config.IMPORT_STAGE_TTL_MIN * 60_000,
    stageDir: config.IMPORT_STAGE_DIR, onCommitted: () => realtime.notifyCommitted(),
  });
  app.use(uploads.router);
  starters.push(() => uploads.start());
  stoppers.push(() => uploads.stop());

  // --- the same layers for desktop GIS: OGC API - Features (QGIS, ogr2ogr) ------------------------------
  app.use('/ogc', ogcRoutes({ db, clock: deps.clock, logger, publicOrigin: config.PUBLIC_ORIGIN }), ogcErrorHandler(logger));

  // --- incidents, dispatch, Open311 ---------------------------------------------------------------------
  const incidents = installIncidents(app, io, { db, clock: deps.clock, config, logger, onCommitted: () => realtime.notifyCommitted() });
  starters.push(() => incidents.start());
  stoppers.push(() => incidents.stop());

  // --- residents: the public report page, tracking codes, the spam mark (issue 13) ---------------------
  const residents = createResidentService({
    db,
    clock: deps.clock,
    incidents: incidents.service,
    options: { pow: { ...DEFAULT_POW, difficulty: config.RESIDENT_POW_BITS } },
  });
  app.use(publicMapRoutes({ db }));
  app.use(residentRoutes({ residents, incidents: incidents.service }));

  // --- photos as evidence (stored in the database, re-encoded without metadata) ---------------------------
  app.use('/api', photoRoutes({ db, maxBytes: Math.round(config.PHOTO_MAX_MB * 2 ** 20) }));
  app.use(residentPhotoRoutes({ db, clock: deps.clock, maxBytes: Math.round(config.PHOTO_MAX_MB * 2 ** 20) }));

  // --- walking network, coverage, what-if ---------------------------------------------------------------
  // One engine per process: the walking graph and per-type times stay in memory until the data changes.
  const coverageEngine = new CoverageEngine(db, { access: accessRuleOf(config) });
  app.use('/api/coverage', coverageRoutes({ db, engine: coverageEngine, clock: deps.clock }));

  // --- insight: hotspots, rankings, exports -------------------------------------------------------------
  app.use(insightRoutes({ db, clock: deps.clock }));

  // --- static client (built by `vite build`) -------------------------------------------------------------
  if (existsSync(CLIENT_DIST)) {
    // hashed /assets immutable for a year and served from their build-time brotli/gzip copies; the HTML no-cache
    app.use(staticClientRoutes(CLIENT_DIST));
    app.get(SPA_ROUTES, sendShell(CLIENT_DIST));
    app.get(PUBLIC_SPA_ROUTES, sendShell(CLIENT_DIST));
  }

  app.use('/api', notFoundHandler);
  app.use(errorHandler(logger));

  return {
    app,
    server,
    io,
    readiness,
    tiles,
    async start() {
      for (const s of starters) await s();
    },
    async close() {
      for (const s of stoppers.reverse()) await s();
      io.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
