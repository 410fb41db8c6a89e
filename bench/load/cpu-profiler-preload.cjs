// Preloaded (`--require`) into an app the CPU-time benchmark profiles: over IPC, 'cpu-profile-start'
// starts V8's sampling profiler in this thread and {cpuProfileStop: file} writes the profile there and
// answers {cpuProfileWritten: file}. Profiling only the measured window leaves start-up and warm-up out.
'use strict';
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const SAMPLING_INTERVAL_US = 100;
let session;

process.on('message', (message) => {
  if (message === 'cpu-profile-start') {
    session = new inspector.Session();
    session.connect();
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US }, () =>
        session.post('Profiler.start', () => process.send({ cpuProfileStarted: true })),
      ),
    );
  } else if (typeof message?.cpuProfileStop === 'string') {
    session.post('Profiler.stop', (error, result) => {
      if (error === null) writeFileSync(message.cpuProfileStop, JSON.stringify(result.profile));
      session.disconnect();
      process.send({ cpuProfileWritten: message.cpuProfileStop, error: error === null ? undefined : String(error.message) });
    });
  }
});
