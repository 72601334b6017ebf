// From the report to a connected screen: an incident reported over HTTP is committed with its event and
// pushed by the realtime publisher (woken by the service's notifyCommitted hook) to a real Socket.IO client,
// carrying the live fields only — no reporter name or phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { IN_A1, loadFixture } from './fixture';
import type { IncidentDto } from '../../common/incidents';
import { isIncidentEvent, type LiveEvent } from '../../common/realtime';

describe.each(backends())('incident events reach connected clients on %s', (backend) => {
  let t: TestDb;
  let srv: TestApp;
  let disp: Session;
  let wall: Socket;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    await loadFixture(t.db);
    srv = await startTestApp(t.db);
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    const viewer = await loginAs(srv.baseUrl, t.db, 'wall');
    wall = connect(srv.baseUrl, socketAuth(viewer));
    await new Promise<void>((resolve, reject) => {
      wall.on('connect', () => resolve());
      wall.on('connect_error', reject);
    });
    await new Promise((resolve) => wall.emit('events:sync', { afterId: 0 }, resolve));
  });
  afterAll(async () => {
    wall?.close();
    await srv?.close();
    await t?.drop();
  });

  it('pushes incident.reported and incident.accepted with the incident after the change', async () => {
    const seen: LiveEvent[] = [];
    wall.on('events:appended', (events: LiveEvent[]) => seen.push(...events));
    const res = await fetch(`${srv.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: disp.headers,
      body: JSON.stringify({ category: 'care', title: '独居老人', location: IN_A1, reporterName: '张三丰', reporterPhone: '13912345678' }),
    });
    const inc = (await res.json()) as IncidentDto;
    await fetch(`${srv.baseUrl}/api/incidents/${inc.id}/accept`, { method: 'POST', headers: disp.headers, body: '{}' });
    const deadline = Date.now() + 10_000;
    const mine = () => seen.filter((e) => e.entityType === 'incident' && e.entityId === String(inc.id));
    while (mine().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const events = mine();
    expect(events.map((e) => e.type)).toEqual(['incident.reported', 'incident.accepted']);
    const [reported, accepted] = events;
    expect(isIncidentEvent(reported) && reported.payload.incident.status).toBe('reported');
    expect(isIncidentEvent(accepted) && accepted.payload.incident).toMatchObject({ status: 'accepted', version: 2 });
    expect(isIncidentEvent(accepted) && accepted.payload.from).toBe('reported');
    expect(JSON.stringify(events)).not.toMatch(/张三丰|13912345678/);
  });
});
