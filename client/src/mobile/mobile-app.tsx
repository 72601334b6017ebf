// The grid worker's phone app (/m, issue 13): my task inbox pushed live, one task with its place, walking
// route, SLA clock and history, accept → start → resolve (and rework), patrol reports, and an outbox that keeps
// everything made offline until it is sent. Every change goes through the outbox (online or not), so there is
// one path and one idempotency key per change.
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import { io, type Socket } from 'socket.io-client';
import { PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { PickingInfo } from '@deck.gl/core';
import { api } from '../api/http';
import { useI18n, LanguageSwitch } from '../i18n/i18n';
import { useSession } from '../auth/session';
import { MapView } from '../map/map-view';
import { INCIDENT_CATEGORIES, INCIDENT_CATEGORY_LABELS, type IncidentCategory } from '../../../common/domain';
import type { IncidentDetailDto, IncidentDto } from '../../../common/incidents';
import { isIncidentEvent, type ClientToServerEvents, type IncidentLive, type ServerToClientEvents } from '../../../common/realtime';
import { MOBILE_MESSAGES, type MobileKey } from './mobile-messages';
import { Outbox, newKey, type OutboxItem } from './outbox';
import { installPwa } from './pwa';
import './mobile.css';

installPwa();

interface Me {
  personId: number;
  name: string;
  onDuty: boolean;
  gridId: number | null;
  gridName: string | null;
}
interface RouteDto {
  seconds: number | null;
  meters: number | null;
  route: { type: 'LineString'; coordinates: [number, number][] } | null;
}
type LonLat = { lon: number; lat: number };
/** What /api/field/tasks answers: the incident and, after a failed verification, the verifier's reason. */
type FieldTask = IncidentDto & { reworkReason?: string | null };

/**
 * A task card straight from a pushed (committed) event, shown at once; the inbox refetch that follows fills in
 * what the event does not carry (description, reporter, timestamps). The push is the fast path, the refetch
 * the truth.
 */
function taskFromLive(inc: IncidentLive): FieldTask {
  return {
    ...inc,
    description: '', address: null, reporterName: null, reporterPhone: null, leaderId: null, plan: null, planDueAt: null,
    escalatedAt: null, resolvedBy: null, verifiedBy: null, reply: null, repliedAt: null, satisfaction: null, acceptedAt: null,
    assignedAt: null, resolvedAt: null, verifiedAt: null, acknowledgedAt: null, reworkReason: null,
  };
}

/** Live position is sent at most this often, only on duty and only while a task is open. */
const POSITION_EVERY_MS = 15_000;
const DEFAULT_CENTER: LonLat = { lon: 117.14, lat: 39.22 };

function useT() {
  const { locale } = useI18n();
  return useCallback(
    (k: MobileKey, vars: Record<string, string | number> = {}) => MOBILE_MESSAGES[locale][k].replace(/\{(\w+)\}/g, (_, v: string) => String(vars[v] ?? '')),
    [locale],
  );
}

function slaText(dueAt: string, now: number, t: ReturnType<typeof useT>): { text: string; late: boolean } {
  const ms = new Date(dueAt).getTime() - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const span = h > 0 ? t('spanHM', { h, m }) : t('spanM', { m });
  return ms >= 0 ? { text: `${t('dueIn')} ${span}`, late: false } : { text: `${t('overdue')} ${span}`, late: true };
}

/** A short beep and a vibration where the browser allows (both need a prior user gesture on most phones). */
function alertNewTask(): void {
  try {
    navigator.vibrate?.([200, 100, 200]);
  } catch {
    // not allowed: the banner still shows
  }
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 880;
    osc.connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.15);
  } catch {
    // no audio before a gesture
  }
}

function usePosition(enabled: boolean): LonLat | null {
  const [pos, setPos] = useState<LonLat | null>(null);
  useEffect(() => {
    if (!enabled || !('geolocation' in navigator)) return;
    const id = navigator.geolocation.watchPosition(
      (p) => setPos({ lon: p.coords.longitude, lat: p.coords.latitude }),
      () => undefined,
      { enableHighAccuracy: true, maximumAge: 10_000 },
    );
    return () => navigator.geolocation.clearWatch(id);
  }, [enabled]);
  return pos;
}

export function MobileApp() {
  const t = useT();
  const { signOut } = useSession();
  const [me, setMe] = useState<Me | null>(null);
  const [tasks, setTasks] = useState<FieldTask[]>([]);
  const [tab, setTab] = useState<'tasks' | 'patrol' | 'outbox'>('tasks');
  const [openId, setOpenId] = useState<number | null>(null);
  const [queue, setQueue] = useState<OutboxItem[]>([]);
  const [online, setOnline] = useState(navigator.onLine);
  // the live stream is joined (server:hello seen): pushes reach this phone from now on
  const [live, setLive] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const outbox = useMemo(() => new Outbox(), []);
  const socketRef = useRef<Socket<ServerToClientEvents, ClientToServerEvents> | null>(null);
  const known = useRef<Set<number>>(new Set());

  const refresh = useCallback(async () => {
    try {
      const list = await api.get<{ items: FieldTask[] }>('/api/field/tasks');
      setTasks(list.items);
      known.current = new Set(list.items.map((i) => i.id));
    } catch {
      // offline: keep what we have
    }
  }, []);

  useEffect(() => {
    void api.get<Me>('/api/field/me').then(setMe).catch(() => undefined);
    void refresh();
    outbox.onSent = () => void refresh();
    outbox.start();
    const unsub = outbox.subscribe(setQueue);
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    const tick = setInterval(() => setNow(Date.now()), 30_000);
    return () => {
      outbox.stop();
      unsub();
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
      clearInterval(tick);
    };
  }, [outbox, refresh]);

  // Live: the durable event stream of my grid (rooms are chosen by the server from the session).
  useEffect(() => {
    if (!me) return;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ withCredentials: true, transports: ['websocket', 'polling'] });
    socketRef.current = socket;
    socket.on('server:hello', (hello) => {
      socket.emit('events:sync', { afterId: hello.lastEventId }, () => undefined);
      setLive(true);
      void refresh();
    });
    socket.on('disconnect', () => setLive(false));
    socket.on('events:appended', (events) => {
      let mine = false;
      for (const e of events) {
        if (!isIncidentEvent(e)) continue;
        const inc = e.payload.incident;
        if (inc.assigneeId === me.personId || known.current.has(inc.id)) mine = true;
        if (e.type === 'incident.assigned' && inc.assigneeId === me.personId && !known.current.has(inc.id)) {
          known.current.add(inc.id);
          setTasks((cur) => (cur.some((x) => x.id === inc.id) ? cur : [...cur, taskFromLive(inc)]));
          setBanner(`${t('newTask')}: ${inc.title}`);
          setTimeout(() => setBanner(null), 8000);
          alertNewTask();
        }
        // Verification failed: the task is mine again, with the verifier's reason (返工).
        if (e.type === 'incident.reworked' && inc.assigneeId === me.personId) {
          setBanner(`${t('reworkBack')}: ${inc.title}${e.reason ? ` — ${e.reason}` : ''}`);
          setTimeout(() => setBanner(null), 12_000);
          alertNewTask();
        }
      }
      if (mine) void refresh();
    });
    return () => {
      socket.disconnect();
      socketRef.current = null;
      setLive(false);
    };
  }, [me, refresh, t]);

  const position = usePosition(me?.onDuty ?? false);
  const lastSent = useRef(0);
  useEffect(() => {
    // Never when off duty; only while a task is open; at most every POSITION_EVERY_MS.
    if (!me?.onDuty || openId == null || !position) return;
    const nowMs = Date.now();
    if (nowMs - lastSent.current < POSITION_EVERY_MS) return;
    lastSent.current = nowMs;
    socketRef.current?.emit('workers:report', { fixes: [{ lon: position.lon, lat: position.lat, at: new Date().toISOString() }] }, () => undefined);
  }, [me?.onDuty, openId, position]);

  const toggleDuty = async () => {
    if (!me) return;
    const next = await api.post<{ onDuty: boolean }>('/api/field/duty', { onDuty: !me.onDuty });
    setMe({ ...me, onDuty: next.onDuty });
  };

  const waiting = queue.filter((q) => q.state === 'waiting').length;
  const open = tasks.find((x) => x.id === openId) ?? null;

  return (
    <div className="m-app">
      <header className="m-bar">
        <strong>{t('title')}</strong>
        <span className="m-who">{me ? `${me.name}${me.gridName ? ` · ${me.gridName}` : ''}` : ''}</span>
        <span className={online ? 'm-net on' : 'm-net off'} data-testid="m-net" data-live={live ? 'on' : 'off'}>{online ? t('online') : t('offline')}</span>
        <button type="button" className={me?.onDuty ? 'm-duty on' : 'm-duty'} onClick={() => void toggleDuty()} data-testid="m-duty">
          {me?.onDuty ? t('onDuty') : t('offDuty')}
        </button>
        <LanguageSwitch className="m-lang" />
      </header>
      {banner && (
        <button type="button" className="m-banner" onClick={() => setBanner(null)} data-testid="m-banner">
          {banner}
        </button>
      )}
      {waiting > 0 && (
        <button type="button" className="m-pending" onClick={() => setTab('outbox')} data-testid="m-pending">
          {t('waitingCount', { n: waiting })}
        </button>
      )}
      <main className="m-main">
        {tab === 'tasks' && open && <TaskView task={open} me={me} position={position} now={now} outbox={outbox} queue={queue} onBack={() => setOpenId(null)} onChanged={refresh} />}
        {tab === 'tasks' && !open && (
          <ul className="m-list" data-testid="m-inbox">
            {tasks.length === 0 && <li className="m-empty">{t('noTasks')}</li>}
            {tasks.map((x) => {
              const sla = slaText(x.dueAt, now, t);
              return (
                <li key={x.id}>
                  <button type="button" className="m-card" onClick={() => setOpenId(x.id)} data-testid={`m-task-${x.id}`}>
                    <span className={`m-chip s-${x.status}`}>{x.reworkCount > 0 && x.status === 'in_progress' ? t('rework') : t(`status_${x.status}` as MobileKey)}</span>
                    <span className="m-card-title">{x.title}</span>
                    {x.reworkCount > 0 && x.status === 'in_progress' && x.reworkReason && (
                      <span className="m-rework" data-testid={`m-rework-${x.id}`}>
                        {t('reworkReason')}：{x.reworkReason}
                      </span>
                    )}
                    <span className="m-card-meta">
                      {x.code} · <span className={sla.late ? 'late' : ''}>{sla.text}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {tab === 'patrol' && <PatrolForm position={position} outbox={outbox} onDone={() => setTab('tasks')} />}
        {tab === 'outbox' && <OutboxView queue={queue} outbox={outbox} />}
      </main>
      <nav className="m-tabs">
        {(['tasks', 'patrol', 'outbox'] as const).map((k) => (
          <button key={k} type="button" className={tab === k ? 'active' : ''} onClick={() => setTab(k)} data-testid={`m-tab-${k}`}>
            {t(k)}
            {k === 'outbox' && waiting > 0 ? ` (${waiting})` : ''}
          </button>
        ))}
        <button type="button" onClick={() => void signOut()}>{t('signOut')}</button>
      </nav>
    </div>
  );
}

function PhotoInput({ label, file, onPick, testId }: { label: string; file: File | null; onPick: (f: File) => void; testId: string }) {
  // A preview of what will be sent, so the worker sees the photo is the right one before it is queued.
  const preview = useMemo(() => (file ? URL.createObjectURL(file) : null), [file]);
  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);
  const change = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (f) onPick(f);
  };
  return (
    <label className="m-photo">
      {label}
      {file ? ' ✓' : ''}
      {preview && <img src={preview} alt={label} className="m-photo-preview" data-testid={`${testId}-preview`} />}
      <input type="file" accept="image/*" capture="environment" onChange={change} data-testid={testId} />
    </label>
  );
}

function TaskView(props: { task: FieldTask; me: Me | null; position: LonLat | null; now: number; outbox: Outbox; queue: OutboxItem[]; onBack: () => void; onChanged: () => Promise<void> }) {
  const { task, position, now, outbox, queue } = props;
  const t = useT();
  const { locale } = useI18n();
  const [detail, setDetail] = useState<IncidentDetailDto | null>(null);
  const [route, setRoute] = useState<RouteDto | null>(null);
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [photoBefore, setPhotoBefore] = useState<File | null>(null);

  useEffect(() => {
    void api.get<IncidentDetailDto>(`/api/field/tasks/${task.id}`).then(setDetail).catch(() => undefined);
  }, [task.id, task.version]);
  const havePos = position != null;
  useEffect(() => {
    if (!position) return;
    void api.get<RouteDto>(`/api/field/tasks/${task.id}/route?lon=${position.lon}&lat=${position.lat}`).then(setRoute).catch(() => undefined);
    // The route is fetched when a position first arrives, not on every fix.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [task.id, havePos]);

  const pendingHere = queue.filter((q) => q.path.startsWith(`/api/incidents/${task.id}/`) || q.path.startsWith(`/api/field/tasks/${task.id}/`));
  const pendingVerb = pendingHere.map((q) => q.path.split('/').pop()).filter(Boolean);
  // What the phone shows: the server's status advanced by what is waiting to be sent.
  let status = task.status as string;
  if (pendingVerb.includes('start') && status === 'assigned') status = 'in_progress';
  if (pendingVerb.includes('resolve')) status = 'resolved';
  const acked = task.acknowledgedAt != null || pendingVerb.includes('ack');

  const send = async (verb: 'ack' | 'start' | 'resolve', body: Record<string, unknown>) => {
    const path = verb === 'ack' ? `/api/field/tasks/${task.id}/ack` : `/api/incidents/${task.id}/${verb}`;
    // The photos go into the outbox before the resolution, so they are sent (in order) before it: whoever
    // verifies the case finds 整改前/整改后 already there. Each is a Blob in IndexedDB with its own key, so a
    // resend after a lost answer stores it once (server/photos/photo-store.ts).
    const photos: Array<[File | null, 'before' | 'after']> = verb === 'resolve' ? [[photoBefore, 'before'], [photo, 'after']] : [];
    for (const [f, kind] of photos) {
      if (f) await outbox.enqueue({ key: newKey(`m-photo-${task.id}`), path: `/api/incidents/${task.id}/photos?kind=${kind}`, body: null, blob: f, label: `${task.code} · ${t(kind === 'before' ? 'photoBefore' : 'photoAfter')}` });
    }
    await outbox.enqueue({ key: newKey(`m-${verb}-${task.id}`), path, body, label: `${task.code} · ${t(verb)}` });
    if (verb === 'resolve') {
      // A rework starts from an empty form: the next resolution has its own note and photos.
      setNote('');
      setPhoto(null);
      setPhotoBefore(null);
    }
  };

  const sla = slaText(task.dueAt, now, t);
  const layers = [
    route?.route &&
      new PathLayer<{ path: [number, number][] }>({ id: 'm-route', data: [{ path: route.route.coordinates }], getPath: (d) => d.path, getColor: [37, 99, 235], getWidth: 4, widthUnits: 'pixels' }),
    new ScatterplotLayer<{ p: [number, number]; c: [number, number, number] }>({
      id: 'm-points',
      data: [{ p: [task.lon, task.lat], c: [220, 38, 38] }, ...(position ? [{ p: [position.lon, position.lat] as [number, number], c: [37, 99, 235] as [number, number, number] }] : [])],
      getPosition: (d) => d.p,
      getFillColor: (d) => d.c,
      getRadius: 7,
      radiusUnits: 'pixels',
      stroked: true,
      getLineColor: [255, 255, 255],
      lineWidthMinPixels: 2,
    }),
  ].filter(Boolean);

  return (
    <section className="m-task" data-testid="m-task">
      <button type="button" className="m-back" onClick={props.onBack}>
        ‹ {t('back')}
      </button>
      <h2>{task.title}</h2>
      <div className="m-card-meta">
        {task.code} · {locale === 'zh-CN' ? INCIDENT_CATEGORY_LABELS[task.category].zh : INCIDENT_CATEGORY_LABELS[task.category].en} · <span className={sla.late ? 'late' : ''} data-testid="m-sla">{sla.text}</span>
      </div>
      <div className="m-status" data-testid="m-status">
        {status === 'in_progress' && task.reworkCount > 0 ? t('rework') : t(`status_${status}` as MobileKey)}
        {pendingHere.length > 0 && <span className="m-queued" data-testid="m-queued"> · {t('queued')}</span>}
      </div>
      <div className="m-map">
        <MapView layers={layers} initialView={{ longitude: task.lon, latitude: task.lat, zoom: 16 }} />
      </div>
      <div className="m-route" data-testid="m-route">
        {t('route')}: {route?.seconds != null ? t('walkMin', { m: Math.max(1, Math.round(route.seconds / 60)), d: Math.round(route.meters ?? 0) }) : t('noRoute')}
      </div>
      {status === 'in_progress' && task.reworkCount > 0 && task.reworkReason && (
        <div className="m-rework-box" data-testid="m-rework-reason">
          {t('reworkReason')}：{task.reworkReason}
        </div>
      )}
      {detail?.description && <p className="m-desc">{detail.description}</p>}
      <div className="m-actions">
        {status === 'assigned' && !acked && (
          <button type="button" className="m-primary" onClick={() => void send('ack', {})} data-testid="m-ack">
            {t('ack')}
          </button>
        )}
        {status === 'assigned' && (
          <button type="button" className="m-primary" onClick={() => void send('start', {})} data-testid="m-start">
            {t('start')}
          </button>
        )}
        {status === 'in_progress' && (
          <>
            <textarea value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('note')} data-testid="m-note" maxLength={2000} />
            <PhotoInput label={t('photoBefore')} file={photoBefore} onPick={setPhotoBefore} testId="m-photo-before" />
            <PhotoInput label={t('photoAfter')} file={photo} onPick={setPhoto} testId="m-photo-after" />
            <button type="button" className="m-primary" disabled={!note.trim()} onClick={() => void send('resolve', { note: note.trim() })} data-testid="m-resolve">
              {t('resolve')}
            </button>
          </>
        )}
        {status === 'resolved' && <div className="m-wait">{t('waitVerify')}</div>}
      </div>
      <h3>{t('history')}</h3>
      <ol className="m-history" data-testid="m-history">
        {(detail?.history ?? []).map((h) => (
          <li key={h.eventId}>
            <time>{new Date(h.at).toLocaleString()}</time> {h.status ? t(`status_${h.status}` as MobileKey) : h.type}
            {h.reason ? ` — ${h.reason}` : ''}
          </li>
        ))}
      </ol>
    </section>
  );
}

function PatrolForm({ position, outbox, onDone }: { position: LonLat | null; outbox: Outbox; onDone: () => void }) {
  const t = useT();
  const { locale } = useI18n();
  const [pin, setPin] = useState<LonLat | null>(null);
  const [category, setCategory] = useState<IncidentCategory>('environment');
  const [title, setTitle] = useState('');
  const [note, setNote] = useState('');
  const [fix, setFix] = useState(false);
  const [photo, setPhoto] = useState<File | null>(null);
  const [done, setDone] = useState(false);
  const where = pin ?? position;
  const submit = async () => {
    if (!where || !title.trim()) return;
    const key = newKey('m-patrol');
    await outbox.enqueue({
      key,
      path: '/api/field/patrol',
      body: { category, title: title.trim(), description: '', note: note.trim() || undefined, location: { lon: where.lon, lat: where.lat }, fixOnSpot: fix },
      label: `${t('patrol')} · ${title.trim()}`,
    });
    if (photo) await outbox.enqueue({ key: newKey('m-photo'), refKey: key, path: '/api/incidents/:ref/photos?kind=report', body: null, blob: photo, label: `${t('patrol')} · ${t('photo')}` });
    setDone(true);
    setTimeout(onDone, 800);
  };
  const layers = where
    ? [new ScatterplotLayer<LonLat>({ id: 'm-pin', data: [where], getPosition: (d) => [d.lon, d.lat], getFillColor: [220, 38, 38], getRadius: 9, radiusUnits: 'pixels', stroked: true, getLineColor: [255, 255, 255], lineWidthMinPixels: 2 })]
    : [];
  const center = where ?? DEFAULT_CENTER;
  return (
    <section className="m-patrol" data-testid="m-patrol">
      <div className="m-map">
        <MapView
          layers={layers}
          initialView={{ longitude: center.lon, latitude: center.lat, zoom: 16 }}
          onClick={(info: PickingInfo) => info.coordinate && setPin({ lon: info.coordinate[0], lat: info.coordinate[1] })}
        />
      </div>
      <div className="m-hint">{where ? `${t('tapToMove')} (${where.lon.toFixed(5)}, ${where.lat.toFixed(5)})` : t('locating')}</div>
      <label>
        {t('category')}
        <select value={category} onChange={(e) => setCategory(e.target.value as IncidentCategory)} data-testid="m-category">
          {INCIDENT_CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {locale === 'zh-CN' ? INCIDENT_CATEGORY_LABELS[c].zh : INCIDENT_CATEGORY_LABELS[c].en}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('titleField')}
        <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} data-testid="m-title" />
      </label>
      <label>
        {t('detail')}
        <textarea value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} data-testid="m-patrol-note" />
      </label>
      <PhotoInput label={t('photo')} file={photo} onPick={setPhoto} testId="m-patrol-photo" />
      <label className="m-check">
        <input type="checkbox" checked={fix} onChange={(e) => setFix(e.target.checked)} data-testid="m-fix" /> {t('fixOnSpot')}
      </label>
      <button type="button" className="m-primary" disabled={!where || !title.trim()} onClick={() => void submit()} data-testid="m-submit">
        {t('submit')}
      </button>
      {done && <div className="m-ok">{navigator.onLine ? t('reported') : t('queued')}</div>}
    </section>
  );
}

function OutboxView({ queue, outbox }: { queue: OutboxItem[]; outbox: Outbox }) {
  const t = useT();
  if (queue.length === 0) return <div className="m-empty" data-testid="m-outbox">{t('empty')}</div>;
  return (
    <ul className="m-list" data-testid="m-outbox">
      {queue.map((q) => (
        <li key={q.id} className={`m-out ${q.state}`}>
          <span>{q.label}</span>
          <small>
            {new Date(q.createdAt).toLocaleTimeString()} {q.state === 'failed' ? `· ${t('failed')}: ${q.lastError ?? ''}` : `· ${t('outbox')}`}
          </small>
          {q.state === 'failed' && q.id != null && (
            <button type="button" onClick={() => void outbox.discard(q.id as number)}>
              {t('discard')}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
