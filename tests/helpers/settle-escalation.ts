// Browser tests run the app on the real clock over the sample, which has overdue cases. The app's escalation
// job raises them 60 s after start, and that burst (some 34 incident.escalated events) can push the event a
// test is waiting for out of the wall's 8-line ticker. Raising them before the app starts makes the job's
// own passes find nothing for the length of a test: it only raises a case to the level it should be at,
// and the next level is a day away.
import type { Db } from '../../server/db/db';
import { systemClock } from '../../server/clock';
import { createIncidentService } from '../../server/incidents/incident-service';
import { createEscalationJob } from '../../server/incidents/escalation-job';
import { createLogger } from '../../server/logger';

/** Runs one escalation pass on the real clock; returns how many cases it raised. */
export function settleEscalation(db: Db): Promise<number> {
  const service = createIncidentService({ db, clock: systemClock });
  return createEscalationJob({ db, clock: systemClock, service, logger: createLogger('silent') }).runOnce();
}
