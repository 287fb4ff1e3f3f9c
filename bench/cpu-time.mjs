// CPU time of a benchmark child, all its threads, written where the harness asks (MFAGUARD_BENCH_CPU_FILE) as it exits.
// On a shared machine wall time measures the neighbours as much as the code; CPU seconds do not.

export function recordCpuOnExit(writeFileSync) {
  const file = process.env.MFAGUARD_BENCH_CPU_FILE;
  if (file === undefined || file === '') return;
  process.on('exit', () => {
    const usage = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (usage.user + usage.system) / 1000 }));
  });
}
