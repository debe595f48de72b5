using DeviceSync.Bench.Scale;

// bench/Scale: scale figures against real processes (issue 3, "Scale figures"; docs/benchmarks.md).
//   memory  start a cluster, activate accounts, collections and items in steps, and report heap bytes per unit
//   hold    start a cluster on free ports, print where it is, keep it up until Ctrl+C or SIGTERM
//   heap    measure a held cluster now (heap per silo after a forced GC, activations, storage)
return await ScaleCommandLine.InvokeAsync(args);
