using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using DeviceSync.Ops;
using DeviceSync.Ops.Backups;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// <c>ops restore</c>'s resend rules, against scripted answers of the restore route: the branches a real outage reaches
/// only by chance (an account restored but one collection unavailable; a resend of that collection met by a 503). The
/// real route and a real outage: <c>BackupRestoreTests.Ops_restore_resends_while_storage_is_below_quorum_…</c>.
/// </summary>
public sealed class RestoreResendTests
{
    private const string Account = "resend-1";

    [Fact]
    public async Task An_unavailable_collection_is_resent_alone_until_restored_and_nothing_restored_is_sent_again()
    {
        var route = Route(
            ScriptedHandler.Json(Collections(("notes", "restored"), ("photos", "unavailable"))),
            ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable, "unavailable"),
            ScriptedHandler.Json(Collections(("photos", "unavailable"))),
            ScriptedHandler.Json(Collections(("photos", "restored"))));
        var output = new StringWriter(CultureInfo.InvariantCulture);

        var failures = await RestoreCommand.RestoreAccountAsync(Admin(route), Account, point: null, collection: null, output, TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.True(failures == 0, output.ToString());
        Assert.Equal([null, "photos", "photos", "photos"], CollectionsAsked(route));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.Contains($"{Account}/notes: restored", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains($"{Account}/photos: restored", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.Contains("photos: unavailable", StringComparison.Ordinal) && l.Contains("(will be resent)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task What_is_still_unavailable_when_the_time_is_up_is_a_failure_and_a_refusal_is_not_resent()
    {
        var unavailable = Route([.. Enumerable.Range(0, 10).Select(_ => ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable, "unavailable"))]);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        Assert.Equal(1, await RestoreCommand.RestoreAccountAsync(Admin(unavailable), Account, null, null, output, TimeSpan.FromSeconds(2), CancellationToken.None));
        Assert.Equal(2, unavailable.Bodies.Count); // the first answer and one resend after 1 s; the next would pass 2 s
        Assert.Contains("failed: 503", output.ToString(), StringComparison.Ordinal);

        var refused = Route(ScriptedHandler.Problem(HttpStatusCode.BadRequest, "invalid-request"));
        Assert.Equal(1, await RestoreCommand.RestoreAccountAsync(Admin(refused), Account, null, null, TextWriter.Null, TimeSpan.FromSeconds(60), CancellationToken.None));
        Assert.Single(refused.Bodies);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("86401")]
    public void A_retry_time_out_of_range_is_refused(string seconds) =>
        Assert.NotEmpty(OpsCommandLine.Build().Parse(["restore", "--account", Account, "--admin-key", "k", "--retry-for", seconds]).Errors);

    private static AdminClient Admin(ScriptedHandler route) =>
        new(new HttpClient(route) { BaseAddress = new Uri("http://127.0.0.1:1") }, "k");

    /// <summary>The restore route answering from a script, one answer per request, in order.</summary>
    private static ScriptedHandler Route(params HttpResponseMessage[] answers)
    {
        var queue = new ConcurrentQueue<HttpResponseMessage>(answers);
        return new ScriptedHandler((_, _) =>
        {
            Assert.True(queue.TryDequeue(out var answer), "more requests than the script has answers");
            return answer;
        });
    }

    /// <summary>The collection each request named (null: the whole account).</summary>
    private static List<string?> CollectionsAsked(ScriptedHandler route) =>
        [.. route.Bodies.Select(b =>
        {
            using var body = JsonDocument.Parse(b);
            return body.RootElement.TryGetProperty("collection", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        })];

    private static string Collections(params (string Name, string Status)[] collections) =>
        JsonSerializer.Serialize(new
        {
            accountId = Account,
            to = "latest",
            account = new { status = "restored", recreated = false, devicesAdded = 0, revocationsAdded = 0 },
            collections = collections.Select(c => c.Status == "restored"
                ? (object)new { name = c.Name, status = c.Status, sequence = 3, committedAt = "2026-11-27T00:00:00Z", generation = 0, digest = "d", items = 2, headVersion = "3", epoch = 1 }
                : new { name = c.Name, status = c.Status, detail = "2 needed to write" }),
        });
}
