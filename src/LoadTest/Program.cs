using DeviceSync.LoadTest.Commands;

// The load harness: talks HTTP to a DeviceSync gateway, as devices do, and reports what it measured.
// Exit codes (Run/ExitCodes.cs): 0 clean; 1 lost/corrupted writes (run) or a 5xx, transport error or violation
// (bench); 2 bad command line; 3 no write lost but device-visible failures; 4 aborted (provisioning failed, or Ctrl+C
// twice during a run; once ends a run's load early and it still checks).
using var interruptions = new Interruptions();
return await HarnessCommandLine.InvokeAsync(args, interruptions.Abort, interruptions.EndLoad);
