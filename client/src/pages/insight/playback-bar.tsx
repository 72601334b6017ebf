// Playback controls: frame length (day/week), mode (reported / backlog), play-pause and a slider over the
// frames. The colour domain is fixed by the server for all frames, so the slider only changes the data.
import { useEffect } from 'react';
import type { PlaybackResponse } from '../../../../common/insight';
import { useInsightText } from './insight-text';

export interface PlaybackBarProps {
  data: PlaybackResponse | null;
  frame: number;
  setFrame: (updater: (f: number) => number) => void;
  playing: boolean;
  setPlaying: (p: boolean) => void;
  bin: 'day' | 'week';
  setBin: (b: 'day' | 'week') => void;
  mode: 'reported' | 'backlog';
  setMode: (m: 'reported' | 'backlog') => void;
}

const FRAME_MS = 800;

export function PlaybackBar(p: PlaybackBarProps) {
  const { tx } = useInsightText();
  const n = p.data?.frames.length ?? 0;
  const { playing, setFrame } = p;
  useEffect(() => {
    if (!playing || n === 0) return;
    const id = window.setInterval(() => setFrame((f) => (f + 1) % n), FRAME_MS);
    return () => window.clearInterval(id);
  }, [playing, n, setFrame]);
  const current = p.data?.frames[Math.min(p.frame, n - 1)];
  return (
    <div className="insight-playback" data-testid="insight-playback">
      <button type="button" onClick={() => p.setPlaying(!playing)} disabled={n === 0} data-testid="insight-play">
        {playing ? `⏸ ${tx('pause')}` : `▶ ${tx('play')}`}
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(0, n - 1)}
        value={Math.min(p.frame, Math.max(0, n - 1))}
        onChange={(e) => setFrame(() => Number(e.target.value))}
        data-testid="insight-frame-slider"
      />
      <span className="insight-frame-label" data-testid="insight-frame-label">
        {current ? `${current.start.slice(0, 10)} · ${tx('frameTotal')} ${current.total}` : tx('noData')}
      </span>
      <label>
        {tx('bin')}
        <select value={p.bin} onChange={(e) => p.setBin(e.target.value as 'day' | 'week')}>
          <option value="day">{tx('binDay')}</option>
          <option value="week">{tx('binWeek')}</option>
        </select>
      </label>
      <label>
        {tx('mode')}
        <select value={p.mode} onChange={(e) => p.setMode(e.target.value as 'reported' | 'backlog')} data-testid="insight-mode">
          <option value="reported">{tx('modeReported')}</option>
          <option value="backlog">{tx('modeBacklog')}</option>
        </select>
      </label>
    </div>
  );
}
