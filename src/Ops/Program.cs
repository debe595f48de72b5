using DeviceSync.Ops;

// Operator commands for a DeviceSync cluster. Exit codes: 0 done; 1 stopped because the cluster was not healthy
// (nothing further was changed); 2 bad command line.
return await OpsCommandLine.InvokeAsync(args);
