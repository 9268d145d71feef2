/**
 * Preloaded into the benchmark's server with NODE_OPTIONS=--require (Node refuses --cpu-prof there):
 * samples the process's CPU with the inspector's profiler and writes a .cpuprofile (Chrome DevTools
 * format) into BENCH_CPU_PROF. By default from start to exit; with BENCH_CPU_PROF_TOGGLE=1 each
 * SIGUSR2 starts or stops (and writes) a profile, so a benchmark can profile one contender at a time.
 * Benchmark only (scripts/bench-e2e/stack.ts, scripts/bench-profile.ts).
 */
const { Session } = require('node:inspector');
const { renameSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 250 });
  let running = false;
  let count = 0;
  const start = () => {
    session.post('Profiler.start');
    running = true;
  };
  // An in-thread session answers synchronously, so this also works in the exit handler.
  const stop = () => {
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const file = path.join(dir, `server-${process.pid}-${count++}.cpuprofile`);
      // Written under another name first: a reader polling for the file never sees half of it.
      writeFileSync(`${file}.part`, JSON.stringify(result.profile));
      renameSync(`${file}.part`, file);
    });
  };
  if (process.env.BENCH_CPU_PROF_TOGGLE === '1') process.on('SIGUSR2', () => (running ? stop() : start()));
  else {
    start();
    process.on('exit', () => running && stop());
  }
}
