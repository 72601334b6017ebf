// Wires the incident capability into the app: the service, REST under /api, socket commands, the
// escalation job, dispatch recommendations and the Open311 endpoint. Called from the composition root.
import type { Express } from 'express';
import type { Server as SocketServer } from 'socket.io';
import type { Clock } from '../clock';
import { accessRuleOf, type Config } from '../config';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { createIncidentService, type IncidentService } from './incident-service';
import { warmIntake } from './intake-statement';
import { incidentRoutes } from './incident-routes';
import { installIncidentSocketHandlers } from './incident-socket';
import { createEscalationJob, type EscalationJob } from './escalation-job';
import { open311AdminRoutes, open311NotFound, open311Routes } from '../open311/open311-routes';
import { dispatchRoutes } from '../dispatch/dispatch-routes';
import { NetworkWalkTimeSource, type WalkTimeSource } from '../dispatch/walk-time-source';
import { fieldRoutes } from '../field/field-routes';

export interface IncidentsDeps {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
  /** The realtime publisher's hook: push committed events now rather than on the next poll. */
  onCommitted?: () => void;
  escalationIntervalMs?: number;
}

export interface Incidents {
  service: IncidentService;
  walk: WalkTimeSource;
  escalation: EscalationJob;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function installIncidents(app: Express, io: SocketServer, deps: IncidentsDeps): Incidents {
  const service = createIncidentService({ db: deps.db, clock: deps.clock, onCommitted: deps.onCommitted, intakeGatherMs: deps.config.INTAKE_GATHER_MS });
  const walk = new NetworkWalkTimeSource(deps.db, { access: accessRuleOf(deps.config) });
  // Candidates before the generic /incidents/:id routes (both are GETs under /incidents/:id…).
  app.use('/api', dispatchRoutes({ db: deps.db, walk }));
  app.use('/api', incidentRoutes({ db: deps.db, service }));
  app.use('/api', fieldRoutes({ db: deps.db, service, walk }));
  app.use('/api', open311AdminRoutes(deps.db));
  app.use('/open311/v2', open311Routes({ db: deps.db, service, config: deps.config, clock: deps.clock, logger: deps.logger }));
  app.use('/open311', open311NotFound(deps.logger));
  installIncidentSocketHandlers(io, { service, logger: deps.logger });
  const escalation = createEscalationJob({ db: deps.db, clock: deps.clock, service, logger: deps.logger, intervalMs: deps.escalationIntervalMs });
  return {
    service,
    walk,
    escalation,
    async start() {
      // best effort: a failure here only means the first report is planned cold
      await warmIntake(deps.db, deps.clock.now()).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'intake warm-up failed'));
      escalation.start();
    },
    async stop() {
      await escalation.stop();
    },
  };
}
