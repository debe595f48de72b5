using DeviceSync.Ops;

// Operator commands for a DeviceSync cluster. Exit codes: 0 done; 1 stopped because the cluster was not healthy
// (nothing further was changed), or a drill or restore found differences or damage; 2 bad command line;
// 3 a drill could not run (see src/Ops/README.md).
return await OpsCommandLine.InvokeAsync(args);
