using DeviceSync.LoadTest.Commands;

// The load harness: talks HTTP to a DeviceSync gateway, as devices do, and reports what it measured.
// Exit codes: 0 = ran clean, 1 = a request failed with a 5xx or a transport error, or a protocol
// violation was seen, 2 = bad command line.
return await BenchCommand.RunAsync(args);
