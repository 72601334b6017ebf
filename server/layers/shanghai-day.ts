// "Today" for the street is the Asia/Shanghai calendar day (UTC+8 all year: China has no daylight saving),
// computed from the injected clock so tests can move time.
const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Start of the Asia/Shanghai day containing `now`, as a UTC instant. */
export function shanghaiDayStart(now: Date): Date {
  const local = now.getTime() + OFFSET_MS;
  return new Date(Math.floor(local / DAY_MS) * DAY_MS - OFFSET_MS);
}

/** "YYYY-MM-DD" of the Asia/Shanghai day containing `t`. */
export function shanghaiDate(t: Date): string {
  return new Date(t.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

export { DAY_MS };
