// Loaded with NODE_OPTIONS=--require (node refuses --cpu-prof there). SIGUSR2 starts a V8 CPU
// profile, the next SIGUSR2 (or exit) writes it as a .cpuprofile into TIKETI_CPU_PROF_DIR, so a
// benchmark profiles only its measured window, not start-up.
/* eslint-disable */
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.TIKETI_CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  let running = false;
  const stop = () => {
    if (!running) return;
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err || !result) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, `CPU.${Date.now()}.${process.pid}.cpuprofile`),
        JSON.stringify(result.profile),
      );
    });
  };
  process.on('SIGUSR2', () => {
    if (running) return stop();
    running = true;
    session.post('Profiler.start');
  });
  process.on('exit', stop);
}
