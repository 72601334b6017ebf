// The entry is deliberately tiny: it sends the first screen's requests (boot/boot.ts) and only then loads the
// app, as its own chunk. With the app in the entry, nothing could start before all of its script had been
// fetched and evaluated (~0.7 s on a cold wall, bench/wall-trace.ts).
import { startBoot } from './boot/boot';

startBoot(window.location);
void import('./app-root').then((m) => m.mountApp());
