using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Admin;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Digests;

/// <summary>
/// Collection digests, to compare copies of an account's data without reading it: <c>GET /v1/digests</c> for a
/// device's own account, <c>GET /v1/admin/accounts/{accountId}/digests</c> behind <c>X-Admin-Key</c> (operators:
/// replicas, backups and restores). Both are additions to PROTOCOL.md; docs/protocol.md, "Digests".
/// </summary>
public static class DigestEndpoints
{
    public static WebApplication MapDigests(this WebApplication app)
    {
        app.MapGet("/v1/digests", (HttpContext context, GrainCalls calls) => DigestsAsync(calls, context.Device().AccountId, context.RequestAborted))
            .RequireDevice();
        app.MapGet("/v1/admin/accounts/{accountId}/digests", AdminDigestsAsync);
        return app;
    }

    private static async Task<IResult> AdminDigestsAsync(HttpContext context, AdminKeyCheck keyCheck, GrainCalls calls, string accountId)
    {
        if (keyCheck.Check(context.Request) is { } refused)
        {
            return refused;
        }

        return Names.IsAccountId(accountId)
            ? await DigestsAsync(calls, accountId, context.RequestAborted)
            : ProblemResult.Of(ProblemCodes.InvalidRequest, "The account id must match the account id rule (docs/protocol.md, section 3).");
    }

    private static async Task<IResult> DigestsAsync(GrainCalls calls, string accountId, CancellationToken token)
    {
        var names = await calls.OnAccountAsync("Account.ListCollections", accountId, a => a.ListCollectionsAsync(), token, resendable: true);
        var ordered = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var summaries = new CollectionSummary[ordered.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            var name = ordered[i];
            summaries[i] = await calls.OnCollectionAsync("Collection.GetSummary", accountId, name, c => c.GetSummaryAsync(), token);
        }

        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("accountId", accountId);
            writer.WriteString("algorithm", "devicesync-digest-v1");
            writer.WriteStartArray("collections");
            for (var i = 0; i < ordered.Count; i++)
            {
                var summary = summaries[i];
                writer.WriteStartObject();
                writer.WriteString("name", ordered[i]);
                writer.WriteString("digest", summary.Digest);
                writer.WriteNumber("items", summary.Items);
                writer.WriteNumber("liveItems", summary.LiveItems);
                writer.WriteString("headVersion", Cursors.Format(summary.HeadVersion));
                writer.WriteNumber("epoch", summary.Epoch);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }
}
