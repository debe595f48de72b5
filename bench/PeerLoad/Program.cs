using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// The peers' side of bench/compare. Drives pouchdb-server (CouchDB protocol) or a plain GET endpoint over
// loopback HTTP with the same client stack as DeviceSync.LoadTest (one SocketsHttpHandler, N workers,
// closed loop, each request timed from sending to the last byte of the body) and writes a JSON report in
// the same shape as `DeviceSync.LoadTest bench --json` (phases with unitsPerSecond and latencyMs).
//
//   put     --url http://127.0.0.1:P --db NAME --concurrency 16 --duration 15s   one new doc per PUT
//   bulk    --url ... --db NAME --items-per-request 100 --concurrency 16 ...      POST _bulk_docs
//   changes --url ... --db NAME --items 20000 --page 500 --readers 16 ...         seed, then page _changes
//   hello   --url http://127.0.0.1:P/ --concurrency 16 --duration 15s            GET, body must be "hello"
//
// Exit codes: 0 clean, 1 a request failed (non-2xx, transport) or a check failed, 2 bad command line.
try
{
    var options = Options.Parse(args);
    var report = await Runner.RunAsync(options);
    var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    if (options.JsonPath is not null)
    {
        await File.WriteAllTextAsync(options.JsonPath, json);
    }

    foreach (var phase in report["phases"]!.AsArray())
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{phase!["name"],-8} {phase["requests"],8} requests in {(double)phase["seconds"]!,6:F1} s: {(double)phase["unitsPerSecond"]!,10:F0} {phase["unit"]}/s, p50 {(double)phase["latencyMs"]!["p50"]!:F1} ms, p99 {(double)phase["latencyMs"]!["p99"]!:F1} ms, errors {phase["errors"]!.ToJsonString()}"));
    }

    foreach (var check in report["checks"]!.AsArray())
    {
        Console.WriteLine($"check: {check}");
    }

    return (bool)report["clean"]! ? 0 : 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"peerload: {e.Message}");
    return 2;
}

internal sealed record Options
{
    public required string Workload { get; init; }
    public Uri Url { get; init; } = new("http://127.0.0.1:5984");
    public string Db { get; init; } = "bench";
    public int Concurrency { get; init; } = 16;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;
    public int ItemsPerRequest { get; init; } = 100;
    public int ItemBytes { get; init; } = 200;
    public int Items { get; init; } = 20_000;
    public int Page { get; init; } = 500;
    public int Readers { get; init; } = 16;
    public bool IncludeDocs { get; init; } = true;
    public string? JsonPath { get; init; }

    public static Options Parse(string[] args)
    {
        if (args.Length < 1 || args[0] is not ("put" or "bulk" or "changes" or "hello"))
        {
            throw new ArgumentException("usage: peerload <put|bulk|changes|hello> [--url U] [--db NAME] [--concurrency N] [--duration T] [--warmup T] [--items-per-request N] [--item-bytes N] [--items N] [--page N] [--readers N] [--no-docs] [--json FILE]");
        }

        var o = new Options { Workload = args[0] };
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--no-docs")
            {
                o = o with { IncludeDocs = false };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{args[i]} needs a value");
            }

            var (name, value) = (args[i], args[++i]);
            o = name switch
            {
                "--url" => o with { Url = new Uri(value) },
                "--db" => o with { Db = value },
                "--concurrency" => o with { Concurrency = int.Parse(value, CultureInfo.InvariantCulture) },
                "--duration" => o with { Duration = ParseDuration(value) },
                "--warmup" => o with { Warmup = ParseDuration(value) },
                "--items-per-request" => o with { ItemsPerRequest = int.Parse(value, CultureInfo.InvariantCulture) },
                "--item-bytes" => o with { ItemBytes = int.Parse(value, CultureInfo.InvariantCulture) },
                "--items" => o with { Items = int.Parse(value, CultureInfo.InvariantCulture) },
                "--page" => o with { Page = int.Parse(value, CultureInfo.InvariantCulture) },
                "--readers" => o with { Readers = int.Parse(value, CultureInfo.InvariantCulture) },
                "--json" => o with { JsonPath = value },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        return o;
    }

    private static TimeSpan ParseDuration(string value) =>
        value.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(double.Parse(value[..^2], CultureInfo.InvariantCulture))
        : value.EndsWith('s') ? TimeSpan.FromSeconds(double.Parse(value[..^1], CultureInfo.InvariantCulture))
        : TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
}

/// <summary>Per-worker counters; merged into one phase at the end.</summary>
internal sealed class Stats
{
    public List<double> LatenciesMs { get; } = [];
    public Dictionary<string, int> Errors { get; } = [];
    public long Requests { get; set; }
    public long Units { get; set; }

    public void Ok(TimeSpan elapsed, long units)
    {
        Requests++;
        Units += units;
        LatenciesMs.Add(elapsed.TotalMilliseconds);
    }

    public void Fail(string key)
    {
        Requests++;
        Errors[key] = Errors.GetValueOrDefault(key) + 1;
    }

    public static JsonObject Phase(string name, string unit, TimeSpan elapsed, IReadOnlyCollection<Stats> all)
    {
        var sorted = all.SelectMany(s => s.LatenciesMs).Order().ToList();
        double Rank(double p) => sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        var errors = new JsonObject();
        foreach (var group in all.SelectMany(s => s.Errors).GroupBy(e => e.Key, StringComparer.Ordinal))
        {
            errors[group.Key] = group.Sum(e => e.Value);
        }

        var units = all.Sum(s => s.Units);
        var seconds = elapsed.TotalSeconds;
        return new JsonObject
        {
            ["name"] = name,
            ["unit"] = unit,
            ["seconds"] = seconds,
            ["requests"] = all.Sum(s => s.Requests),
            ["succeeded"] = sorted.Count,
            ["units"] = units,
            ["workers"] = all.Count,
            ["requestsPerSecond"] = seconds > 0 ? sorted.Count / seconds : 0,
            ["unitsPerSecond"] = seconds > 0 ? units / seconds : 0,
            ["latencyMs"] = new JsonObject
            {
                ["p50"] = Rank(0.50),
                ["p90"] = Rank(0.90),
                ["p99"] = Rank(0.99),
                ["max"] = sorted.Count == 0 ? 0 : sorted[^1],
                ["mean"] = sorted.Count == 0 ? 0 : sorted.Average(),
            },
            ["errors"] = errors,
        };
    }
}

internal static class Runner
{
    private static HttpClient _http = null!;

    public static async Task<JsonObject> RunAsync(Options o)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(Math.Max(o.Concurrency, o.Readers), 16),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var phases = new JsonArray();
        var checks = new JsonArray();
        var clean = true;
        var started = DateTimeOffset.UtcNow;

        switch (o.Workload)
        {
            case "hello":
                {
                    if (o.Warmup > TimeSpan.Zero)
                    {
                        await TimedAsync(o.Concurrency, o.Warmup, (_, s) => HelloOnceAsync(o.Url, s));
                    }

                    var (elapsed, stats) = await TimedAsync(o.Concurrency, o.Duration, (_, s) => HelloOnceAsync(o.Url, s));
                    phases.Add(Stats.Phase("hello", "round trips", elapsed, stats));
                    break;
                }

            case "put":
            case "bulk":
                {
                    var db = new Uri(o.Url, o.Db + "/");
                    await CreateDbAsync(db);
                    var perRequest = o.Workload == "put" ? 1 : o.ItemsPerRequest;
                    var body = new string('x', Math.Max(1, o.ItemBytes - 45));
                    var next = new long[o.Concurrency];
                    var (elapsed, stats) = await TimedAsync(o.Concurrency, o.Duration, (w, s) => perRequest == 1
                        ? PutOnceAsync(db, w, ++next[w], body, s)
                        : BulkOnceAsync(db, w, perRequest, next, body, s));
                    var unit = perRequest == 1 ? "commits" : "items";
                    phases.Add(Stats.Phase(o.Workload, unit, elapsed, stats));

                    // Read back: the fresh database must hold exactly the acknowledged documents.
                    var acked = stats.Sum(s => s.Units);
                    var info = await GetJsonAsync(new Uri(o.Url, o.Db));
                    var docCount = info?["doc_count"]?.GetValue<long>() ?? -1;
                    var ok = docCount == acked;
                    clean &= ok;
                    checks.Add($"read-back: {acked} acknowledged docs, doc_count {docCount} ({(ok ? "ok" : "MISMATCH")})");
                    break;
                }

            case "changes":
                {
                    var db = new Uri(o.Url, o.Db + "/");
                    await CreateDbAsync(db);
                    var seedStarted = Stopwatch.GetTimestamp();
                    var seedStats = new Stats();
                    var body = new string('x', Math.Max(1, o.ItemBytes - 45));
                    var next = new long[1];
                    while (next[0] < o.Items)
                    {
                        await BulkOnceAsync(db, 0, (int)Math.Min(500, o.Items - next[0]), next, body, seedStats);
                        if (seedStats.Errors.Count > 0)
                        {
                            throw new InvalidOperationException($"seeding failed: {string.Join(", ", seedStats.Errors.Keys)}");
                        }
                    }

                    phases.Add(Stats.Phase("seed", "items", Stopwatch.GetElapsedTime(seedStarted), [seedStats]));
                    long passes = 0, badPasses = 0;
                    var deadline = 0L;
                    var (elapsed, stats) = await TimedAsync(o.Readers, o.Duration, async (_, s) =>
                    {
                        var (complete, rows, ordered) = await ChangesPassAsync(db, o, s, () => Stopwatch.GetTimestamp() < Volatile.Read(ref deadline));
                        if (complete)
                        {
                            Interlocked.Increment(ref passes);
                            if (rows != o.Items || !ordered)
                            {
                                Interlocked.Increment(ref badPasses);
                            }
                        }
                    }, d => Volatile.Write(ref deadline, d));
                    phases.Add(Stats.Phase("read", "change rows", elapsed, stats));
                    clean &= badPasses == 0;
                    checks.Add($"changes: {passes} complete passes over {o.Items} docs by {o.Readers} readers (limit {o.Page}, include_docs={o.IncludeDocs.ToString().ToLowerInvariant()}); passes with wrong row count or order: {badPasses}");
                    break;
                }
        }

        foreach (var phase in phases)
        {
            clean &= phase!["errors"]!.AsObject().Count == 0;
        }

        return new JsonObject
        {
            ["workload"] = o.Workload,
            ["commandLine"] = string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            ["startedAt"] = started,
            ["url"] = o.Url.ToString(),
            ["concurrency"] = o.Workload == "changes" ? o.Readers : o.Concurrency,
            ["processorCount"] = Environment.ProcessorCount,
            ["phases"] = phases,
            ["checks"] = checks,
            ["clean"] = clean,
        };
    }

    /// <summary>Runs workers, each calling <paramref name="once"/> in a loop until the deadline; the phase lasts until the last one stops.</summary>
    private static async Task<(TimeSpan, Stats[])> TimedAsync(int workers, TimeSpan duration, Func<int, Stats, Task> once, Action<long>? onDeadline = null)
    {
        var stats = Enumerable.Range(0, workers).Select(_ => new Stats()).ToArray();
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        onDeadline?.Invoke(deadline);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                await once(w, stats[w]);
            }
        })));
        return (Stopwatch.GetElapsedTime(started), stats);
    }

    private static async Task HelloOnceAsync(Uri url, Stats s)
    {
        var t = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(t);
            if (response.StatusCode != HttpStatusCode.OK || bytes.Length != 5)
            {
                s.Fail($"http-{(int)response.StatusCode}");
                return;
            }

            s.Ok(elapsed, 1);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            s.Fail("transport");
        }
    }

    private static JsonObject Doc(string id, long seq, string body) => new()
    {
        ["_id"] = id,
        ["title"] = $"item {id}",
        ["seq"] = seq,
        ["body"] = body,
    };

    private static async Task PutOnceAsync(Uri db, int worker, long n, string body, Stats s)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"w{worker}-{n}");
        var doc = Doc(id, n, body);
        doc.Remove("_id");
        var (status, json, elapsed) = await SendAsync(HttpMethod.Put, new Uri(db, id), doc);
        if (status is 201 or 202 && json?["ok"]?.GetValue<bool>() == true)
        {
            s.Ok(elapsed, 1);
        }
        else
        {
            s.Fail(status == 0 ? "transport" : $"http-{status}");
        }
    }

    private static async Task BulkOnceAsync(Uri db, int worker, int count, long[] next, string body, Stats s)
    {
        var docs = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var n = ++next[worker];
            docs.Add(Doc(string.Create(CultureInfo.InvariantCulture, $"w{worker}-{n}"), n, body));
        }

        var (status, json, elapsed) = await SendAsync(HttpMethod.Post, new Uri(db, "_bulk_docs"), new JsonObject { ["docs"] = docs });
        if (status is 201 or 202 && json is JsonArray results)
        {
            var ok = results.Count(r => r?["ok"]?.GetValue<bool>() == true);
            if (ok != count)
            {
                s.Errors["bulk-doc-not-ok"] = s.Errors.GetValueOrDefault("bulk-doc-not-ok") + (count - ok);
            }

            s.Ok(elapsed, ok);
        }
        else
        {
            s.Fail(status == 0 ? "transport" : $"http-{status}");
        }
    }

    /// <summary>
    /// One reader's pass over the whole feed from since=0, like a new replica catching up. It stops when it
    /// has seen every seeded doc or a page comes back short (our side stops on hasMore=false).
    /// </summary>
    private static async Task<(bool Complete, long Rows, bool Ordered)> ChangesPassAsync(Uri db, Options o, Stats s, Func<bool> beforeDeadline)
    {
        var since = "0";
        long rows = 0, last = -1;
        var ordered = true;
        while (beforeDeadline())
        {
            var query = $"_changes?limit={o.Page}&since={Uri.EscapeDataString(since)}{(o.IncludeDocs ? "&include_docs=true" : "")}";
            var t = Stopwatch.GetTimestamp();
            JsonNode? json;
            int status;
            try
            {
                using var response = await _http.GetAsync(new Uri(db, query), HttpCompletionOption.ResponseHeadersRead);
                var bytes = await response.Content.ReadAsByteArrayAsync();
                status = (int)response.StatusCode;
                json = status == 200 ? JsonNode.Parse(bytes) : null;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                s.Fail("transport");
                return (false, rows, ordered);
            }

            var elapsed = Stopwatch.GetElapsedTime(t);
            if (json?["results"] is not JsonArray results)
            {
                s.Fail($"http-{status}");
                return (false, rows, ordered);
            }

            foreach (var row in results)
            {
                if (row?["seq"] is JsonValue v && v.TryGetValue<long>(out var seq))
                {
                    ordered &= seq > last;
                    last = seq;
                }
            }

            rows += results.Count;
            s.Ok(elapsed, results.Count);
            since = json["last_seq"]?.ToJsonString().Trim('"') ?? since;
            if (results.Count < o.Page || rows >= o.Items)
            {
                return (true, rows, ordered);
            }
        }

        return (false, rows, ordered);
    }

    private static async Task CreateDbAsync(Uri db)
    {
        var (status, _, _) = await SendAsync(HttpMethod.Put, db, null);
        if (status is not (201 or 202))
        {
            throw new InvalidOperationException($"could not create {db}: HTTP {status} (the database must not exist yet)");
        }
    }

    private static async Task<JsonNode?> GetJsonAsync(Uri url)
    {
        var (_, json, _) = await SendAsync(HttpMethod.Get, url, null);
        return json;
    }

    private static async Task<(int Status, JsonNode? Json, TimeSpan Elapsed)> SendAsync(HttpMethod method, Uri url, JsonNode? body)
    {
        using var message = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        var t = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(t);
            JsonNode? json = null;
            try
            {
                json = bytes.Length > 0 ? JsonNode.Parse(bytes) : null;
            }
            catch (JsonException)
            {
            }

            return ((int)response.StatusCode, json, elapsed);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, null, Stopwatch.GetElapsedTime(t));
        }
    }
}
