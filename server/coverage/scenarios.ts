// Saved what-if scenarios: stored as their list of changes (never as results), so opening or comparing a
// scenario always evaluates it against today's network, buildings and facilities.
import type { Db } from '../db/db';
import { AppError } from '../../common/errors';
import { appendEvent } from '../events/append-event';
import { audit } from '../audit/audit';
import { LIFE_CIRCLE_MINUTES } from '../../common/domain';
import type { CoverageEngine } from './coverage-engine';
import { changesSchema, type SavedScenario, type ScenarioChange } from '../../common/coverage';

export type { SavedScenario };
import { evaluateWhatIf } from './what-if';
import { coverageSummary } from './coverage-figures';


interface Row { id: number; name: string; description: string; changes: unknown; created_by: string; created_at: Date | string }

function toScenario(r: Row): SavedScenario {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    // Stored rows were validated on the way in; parse again so a hand-edited row cannot crash a compare.
    changes: changesSchema.parse(typeof r.changes === 'string' ? JSON.parse(r.changes) : r.changes),
    createdBy: r.created_by,
    createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
  };
}

export async function saveScenario(
  db: Db,
  input: { name: string; description: string; changes: ScenarioChange[] },
  actor: string,
): Promise<SavedScenario> {
  return db.transaction(async (tx) => {
    const res = await tx.query<Row>(
      `INSERT INTO coverage_scenarios (name, description, changes, created_by) VALUES ($1, $2, $3::jsonb, $4)
       RETURNING id, name, description, changes, created_by, created_at`,
      [input.name, input.description, JSON.stringify(input.changes), actor],
    );
    const s = toScenario(res.rows[0]);
    await appendEvent(tx, { type: 'coverage.scenario_saved', entityType: 'coverage_scenario', entityId: s.id, actor, payload: { id: s.id, name: s.name, changes: s.changes.length } });
    await audit(tx, { actor, action: 'coverage_scenario.create', entityType: 'coverage_scenario', entityId: s.id, detail: { name: s.name } });
    return s;
  });
}

export async function listScenarios(db: Db): Promise<SavedScenario[]> {
  const res = await db.query<Row>('SELECT id, name, description, changes, created_by, created_at FROM coverage_scenarios ORDER BY created_at DESC, id DESC LIMIT 200');
  return res.rows.map(toScenario);
}

async function getScenarios(db: Db, ids: number[]): Promise<SavedScenario[]> {
  const res = await db.query<Row>('SELECT id, name, description, changes, created_by, created_at FROM coverage_scenarios WHERE id = ANY($1::int[])', [ids]);
  const byId = new Map(res.rows.map((r) => [r.id, toScenario(r)]));
  return ids.map((id, i) => {
    const s = byId.get(id);
    if (!s) throw new AppError('NOT_FOUND', `scenario ${id} does not exist`, `query.ids.${i}`);
    return s;
  });
}

/**
 * Side by side: for each facility type any of the scenarios touches, the street's covered residents at
 * 5/10/15 min in the current state ("base") and in each scenario.
 */
export async function compareScenarios(db: Db, engine: CoverageEngine, ids: number[]) {
  const scenarios = await getScenarios(db, ids);
  const t0 = performance.now();
  const evaluated = [];
  for (const s of scenarios) evaluated.push({ scenario: s, result: await evaluateWhatIf(db, engine, s.changes, { rings: false }) });
  const types = [...new Set(evaluated.flatMap((e) => e.result.types.map((t) => t.type)))];
  const rows = [];
  for (const type of types) {
    const { state, coverage } = await engine.typeCoverage(type);
    for (const minutes of LIFE_CIRCLE_MINUTES) {
      const base = coverageSummary(type, minutes, state.buildings, coverage.buildingTimeS, coverage.facilities, state.names, state.access).street;
      rows.push({
        type,
        minutes,
        base: { residentsCovered: base.residentsCovered, residentShare: base.residentShare, buildingsCovered: base.buildingsCovered },
        scenarios: evaluated.map((e) => {
          const band = e.result.types.find((t) => t.type === type)?.bands.find((b) => b.minutes === minutes);
          const s = band?.scenario ?? base;
          return { id: e.scenario.id, residentsCovered: s.residentsCovered, residentShare: s.residentShare, buildingsCovered: s.buildingsCovered, residentsGained: band?.residentsGained ?? 0, residentsLost: band?.residentsLost ?? 0 };
        }),
      });
    }
  }
  return { scenarios: scenarios.map(({ id, name, description, changes }) => ({ id, name, description, changes })), rows, serverMs: performance.now() - t0 };
}
