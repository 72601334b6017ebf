// Incident commands over Socket.IO: `incident:report` and `incident:<verb>` for every REST verb. Each
// carries a commandId (the idempotency key: a client whose socket dropped before the ack retries with the
// same id and gets the same answer, one effect — QUALITY.md fault 1). Acks return data or a coded error.
// Handlers validate → persist (the service commits and notifies the publisher) → acknowledge; the broadcast
// is the committed event, pushed by the realtime publisher.
import type { Server as SocketServer, Socket } from 'socket.io';
import { AppError, isAppError } from '../../common/errors';
import {
  INCIDENT_COMMAND_NAMES,
  SocketCommandSchema,
  SocketReportSchema,
  type IncidentAck,
  type IncidentCommandName,
} from '../../common/incidents';
import { actorOf } from '../auth/identity';
import { socketIdentity } from '../auth/socket-auth';
import { fromDbError } from '../http/error-handler';
import { parseOrThrow } from '../http/validate';
import type { Logger } from '../logger';
import type { CommandContext, IncidentService } from './incident-service';
import { COMMAND_ROLES, REPORT_ROLES, runVerb } from './incident-routes';
import type { UserRole } from '../../common/domain';

export interface IncidentSocketDeps {
  service: IncidentService;
  logger: Logger;
}

type Ack<T> = (res: IncidentAck<T>) => void;

function toAckError(err: unknown, logger: Logger): IncidentAck<never> {
  const appErr = isAppError(err) ? err : fromDbError(err);
  if (appErr) return { ok: false, error: appErr.toBody().error };
  logger.error({ err }, 'incident socket command failed');
  return { ok: false, error: new AppError('INTERNAL', 'internal error; it has been logged').toBody().error };
}

function contextOf(socket: Socket, roles: readonly UserRole[], commandId: string): CommandContext {
  const identity = socketIdentity(socket);
  if (!identity) throw new AppError('UNAUTHENTICATED', 'sign in first: this socket has no session');
  if (!roles.includes(identity.role)) throw new AppError('FORBIDDEN', `role "${identity.role}" may not do this; allowed: ${roles.join(', ')}`);
  return {
    actor: actorOf(identity),
    role: identity.role,
    personId: identity.personId,
    scopeGridId: identity.role === 'worker' ? identity.scopeGridId : undefined,
    idempotencyKey: commandId,
    source: 'socket',
    ip: socket.handshake.address ?? null,
  };
}

/** Attaches the incident command handlers to one connected socket. */
export function registerIncidentSocketHandlers(socket: Socket, deps: IncidentSocketDeps): void {
  const { service, logger } = deps;
  const guard = <T>(ack: unknown, work: () => Promise<T>) => {
    // A client that sends no ack callback gets nothing back (and random frames must not crash us).
    const reply: Ack<T> = typeof ack === 'function' ? (ack as Ack<T>) : () => undefined;
    work().then(
      (data) => reply({ ok: true, data }),
      (err: unknown) => reply(toAckError(err, logger)),
    );
  };

  socket.on('incident:report', (req: unknown, ack: unknown) =>
    guard(ack, async () => {
      const cmd = parseOrThrow(SocketReportSchema, req, 'payload');
      const ctx = contextOf(socket, REPORT_ROLES, cmd.commandId);
      return (await service.reportIncident(ctx, cmd.report)).body;
    }),
  );

  for (const verb of INCIDENT_COMMAND_NAMES) {
    socket.on(`incident:${verb}`, (req: unknown, ack: unknown) =>
      guard(ack, async () => {
        const cmd = parseOrThrow(SocketCommandSchema, req, 'payload');
        const ctx = contextOf(socket, COMMAND_ROLES[verb as IncidentCommandName], cmd.commandId);
        return (await runVerb(service, verb, ctx, cmd.incidentId, cmd.body)).body;
      }),
    );
  }
}

/** Registers the handlers on every connection of `io`. */
export function installIncidentSocketHandlers(io: SocketServer, deps: IncidentSocketDeps): void {
  io.on('connection', (socket) => registerIncidentSocketHandlers(socket, deps));
}
