using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Data.Tables;

// bench/group-commit drives this against one Azurite it started (args: table endpoint, Azurite's pid).
// For each shape it writes the same number of journal entries with 16 writers and reports, per entry: requests,
// the Azurite's CPU (utime+stime from /proc/PID/stat, which does not depend on what else the machine runs) and the rate.
//   per-stream: every entry is its own transaction in its stream's partition: insert row n + merge row n-1 If-Match *
//               (today's append, src/Grains/Storage/JournalReplica.cs).
//   batched k:  k entries of k different streams in one transaction of one shared partition: for each, insert row
//               "{stream}~{n}" + merge "{stream}~{n-1}" (keys may not hold "/") If-Match * (the same fence per stream, ADR 0010), 2k actions.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: DeviceSync.Bench.GroupCommit <table endpoint with SAS or dev account> <azurite pid> [entries per shape]");
    return 2;
}

var connection = args[0];
var azuritePid = int.Parse(args[1], CultureInfo.InvariantCulture);
var entriesPerShape = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4_000;
const int Writers = 16;
var payload = new byte[400]; // a single-item change as the collection codec writes it is a few hundred bytes
Random.Shared.NextBytes(payload);

var service = new TableServiceClient(connection);
var table = service.GetTableClient("groupcommit" + Guid.NewGuid().ToString("N")[..8]);
await table.CreateIfNotExistsAsync();

Console.WriteLine($"| shape | entries | requests per entry | Azurite CPU ms per entry | entries/s | Azurite CPU share |");
Console.WriteLine($"| --- | ---: | ---: | ---: | ---: | ---: |");
await MeasureAsync("per-stream transaction (today)", 1, perStream: true);
foreach (var k in new[] { 1, 4, 16, 50 })
{
    await MeasureAsync($"batched, {k} streams per transaction", k, perStream: false);
}

// Once more at the end: the first shape also pays the Azurite's warm-up (a fresh table, JIT), so this is the fair baseline.
await MeasureAsync("per-stream transaction (today), again", 1, perStream: true);

await table.DeleteAsync();
return 0;

async Task MeasureAsync(string name, int perBatch, bool perStream)
{
    var run = Guid.NewGuid().ToString("N")[..6];
    var batches = entriesPerShape / perBatch;
    var next = -1;
    var requests = 0;
    var cpuBefore = CpuMs(azuritePid);
    var clock = Stopwatch.StartNew();
    var writers = Enumerable.Range(0, Writers).Select(async w =>
    {
        // Each writer owns its streams (as a silo owns its grains) and appends to them in turn.
        var sequences = new long[perBatch];
        var partition = $"{run}-shard-{w}";
        while (Interlocked.Increment(ref next) < batches)
        {
            var actions = new List<TableTransactionAction>(perBatch * 2);
            for (var s = 0; s < perBatch; s++)
            {
                var stream = $"{run}-w{w}-s{s}";
                var n = ++sequences[s];
                var pk = perStream ? stream : partition;
                var rk = perStream ? Row(n) : $"{stream}~{Row(n)}";
                var previous = perStream ? Row(n - 1) : $"{stream}~{Row(n - 1)}";
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, Entry(pk, rk)));
                actions.Add(n == 1
                    ? new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(pk, previous) { ["V"] = 1 })
                    : new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(pk, previous), ETag.All));
            }

            await table.SubmitTransactionAsync(actions);
            Interlocked.Increment(ref requests);
        }
    }).ToArray();
    await Task.WhenAll(writers);
    clock.Stop();
    var cpu = CpuMs(azuritePid) - cpuBefore;
    var entries = batches * perBatch;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {entries} | {(double)requests / entries:0.00} | {cpu / entries:0.000} | {entries / clock.Elapsed.TotalSeconds:0} | {cpu / clock.Elapsed.TotalMilliseconds:P0} |"));
}

TableEntity Entry(string pk, string rk) => new(pk, rk)
{
    ["V"] = 1,
    ["EntryId"] = Guid.NewGuid(),
    ["PrevId"] = Guid.NewGuid(),
    ["Chain"] = new byte[32],
    ["Hash"] = new byte[32],
    ["Length"] = payload.Length,
    ["P00"] = payload,
};

static string Row(long n) => n.ToString("D19", CultureInfo.InvariantCulture);

static double CpuMs(int pid)
{
    // Fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks of 10 ms; the name in field 2 has no spaces here.
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(' ');
    return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) * 10.0;
}
