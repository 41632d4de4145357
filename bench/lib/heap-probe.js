// Loaded into a process with `node --import`: on the IPC message 'heap?' it answers with the
// most heap the process has used since the last question, and starts over. Used heap only grows
// between collections, so its peak is the larger of what it was before each collection (from
// v8.GCProfiler) and what it is now: exact, not sampled. `live` is the most left after a full
// (mark-compact) collection; with --expose-gc, `retained` is what is left now after one.
import v8 from 'node:v8';

let profiler;
const restart = () => {
  profiler = new v8.GCProfiler();
  profiler.start();
};
restart();

process.on('message', (message) => {
  if (message !== 'heap?') return;
  const { statistics } = profiler.stop();
  const now = process.memoryUsage().heapUsed;
  const before = statistics.map((s) => s.beforeGC.heapStatistics.usedHeapSize);
  const full = statistics.filter((s) => s.gcType === 'MarkSweepCompact').map((s) => s.afterGC.heapStatistics.usedHeapSize);
  globalThis.gc?.();
  const retained = process.memoryUsage().heapUsed;
  restart();
  process.send({ peak: Math.max(now, ...before), live: full.length > 0 ? Math.max(...full) : null, retained });
});
process.channel?.unref();
