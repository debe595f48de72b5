using DeviceSync.LoadTest.Commands;

// The load harness: talks HTTP to a DeviceSync gateway, as devices do, and reports what it measured.
// Exit codes (Run/ExitCodes.cs): 0 clean; 1 lost/corrupted writes (run) or a 5xx, transport error or violation
// (bench); 2 bad command line; 3 no write lost but device-visible failures; 4 aborted (provisioning failed).
return await HarnessCommandLine.InvokeAsync(args);
