// bench/Transactions: the CPU and allocations of one append's table transaction on the silo's side, written by the
// SDK (TableClient.SubmitTransactionAsync) and by hand (TableTransactionSender, docs/adr/0011), without network or
// storage: a transport answers every $batch at once with the service's answer for its actions.
//
//   dotnet run -c Release --project bench/Transactions                  all benchmarks
//   dotnet run -c Release --project bench/Transactions -- --filter '*Group*'
//
// Figures: docs/benchmarks.md, "Hand-written append transactions".
using BenchmarkDotNet.Running;

BenchmarkRunner.Run<DeviceSync.Bench.Transactions.AppendTransactionBenchmarks>(args: args);
