using DeviceSync.Contracts.Backups;
using DeviceSync.Contracts.Blobs;
using DeviceSync.Contracts.Operations;
using DeviceSync.Gateway.Blobs;
using DeviceSync.Gateway.Admin;
using DeviceSync.Gateway.Cluster;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Backups;

/// <summary>
/// <c>POST /v1/admin/accounts/{accountId}/restore</c> behind <c>X-Admin-Key</c>: restores an account (merged) and its
/// collections (or one) from the backup store to a point in time, each through its owning grain, so the single-writer
/// rule holds (docs/adr/0005-backups-and-restore.md). <c>ops restore</c> drives it.
/// </summary>
public static class RestoreEndpoints
{
    public static WebApplication MapRestores(this WebApplication app)
    {
        app.MapPost("/v1/admin/accounts/{accountId}/restore", RestoreAsync);
        return app;
    }

    private static async Task<IResult> RestoreAsync(
        HttpContext context, AdminKeyCheck keyCheck, GrainCalls calls, ILogger<RestoreRequest> logger, BlobIndex blobIndex, ReplicatedBlobStore blobStore, BlobBackupCopier blobBackups, TimeProvider time, string accountId)
    {
        if (keyCheck.Check(context.Request) is { } refused)
        {
            return refused;
        }

        if (!Names.IsAccountId(accountId))
        {
            return ProblemResult.Of(ProblemCodes.InvalidRequest, "The account id must match the account id rule (docs/protocol.md, section 3).");
        }

        var body = await RequestBody.ReadAsync(context.Request, RestoreRequestParser.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return ProblemResult.Of(ProblemCodes.PayloadTooLarge, $"The body is over {RestoreRequestParser.MaxBodyBytes} bytes.");
        }

        var parsed = RestoreRequestParser.Parse(body.Value, time.GetUtcNow());
        if (!parsed.IsValid)
        {
            return new ProblemResult(parsed.Problem);
        }

        var request = parsed.Value;
        var token = context.RequestAborted;
        var account = await calls.OnAccountAsync("Account.RestoreFromBackup", accountId, a => a.RestoreFromBackupAsync(request.To), token);
        if (account.Status is RestoreStatus.BackupsOff or RestoreStatus.Damaged)
        {
            return ProblemResult.Of(
                account.Status == RestoreStatus.BackupsOff ? ProblemCodes.Unavailable : ProblemCodes.Internal,
                account.Detail ?? "The account could not be restored.");
        }

        var names = request.Collection is { } one ? [one] : account.Collections.Order(StringComparer.Ordinal).ToList();
        var results = new List<(string Name, CollectionRestoreResult? Result, string? Unavailable)>(names.Count);
        foreach (var name in names)
        {
            // One at a time: each reads its history from the backup store, which must keep serving the copiers meanwhile.
            // A collection that storage or the cluster cannot serve right now is reported as "unavailable" and the rest go
            // on: answering 503 for the whole account would hide which collections were already restored, and resending
            // it would restore those again (each restore starts a new epoch). ops restore resends only the unavailable ones.
            try
            {
                results.Add((name, await calls.OnCollectionAsync("Collection.RestoreFromBackup", accountId, name, c => c.RestoreFromBackupAsync(request.To), token), null));
            }
            catch (Exception ex) when (IsUnavailable(ex) && !token.IsCancellationRequested)
            {
                Log.CollectionRestoreUnavailable(logger, accountId, name, ex.GetType().Name);
                results.Add((name, null, ex is StorageUnavailableException ? ex.Message : "The cluster could not serve the collection in time."));
            }
        }

        // The blob index (merged, like the account) and the bytes no replica holds, from the backup container; only for a
        // whole account, and only where the gateway serves blobs.
        BlobIndexRestoreResult? blobs = null;
        var bytes = new Dictionary<BlobRestoreOutcome, int>();
        if (request.Collection is null && blobStore.Enabled)
        {
            blobs = await blobIndex.RestoreFromBackupAsync(accountId, request.To, token);
            foreach (var sha256 in blobs.Blobs)
            {
                var outcome = await blobBackups.RestoreToReplicasAsync(accountId, sha256, token);
                bytes[outcome] = bytes.GetValueOrDefault(outcome) + 1;
            }
        }

        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("accountId", accountId);
            if (blobs is not null)
            {
                writer.WriteStartObject("blobs");
                writer.WriteString("status", StatusName(blobs.Status));
                writer.WriteNumber("added", blobs.Added);
                writer.WriteNumber("blobs", blobs.Blobs.Count);
                writer.WriteNumber("bytesRestored", bytes.GetValueOrDefault(BlobRestoreOutcome.Restored));
                writer.WriteNumber("bytesMissing", bytes.GetValueOrDefault(BlobRestoreOutcome.NotInBackup));
                writer.WriteNumber("bytesFailed", bytes.GetValueOrDefault(BlobRestoreOutcome.Failed));
                writer.WriteEndObject();
            }

            writer.WriteString("to", request.To is { } to ? to.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "latest");
            writer.WriteStartObject("account");
            writer.WriteString("status", StatusName(account.Status));
            writer.WriteBoolean("recreated", account.Recreated);
            writer.WriteNumber("devicesAdded", account.DevicesAdded);
            writer.WriteNumber("revocationsAdded", account.RevocationsAdded);
            writer.WriteEndObject();
            writer.WriteStartArray("collections");
            foreach (var (name, result, unavailable) in results)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                if (result is null)
                {
                    writer.WriteString("status", "unavailable");
                    writer.WriteString("detail", unavailable);
                    writer.WriteEndObject();
                    continue;
                }

                writer.WriteString("status", StatusName(result.Status));
                writer.WriteNumber("sequence", result.Sequence);
                if (result.CommittedAt is { } at)
                {
                    writer.WriteString("committedAt", at);
                }

                writer.WriteNumber("generation", result.Generation);
                if (result.Summary is { } summary)
                {
                    writer.WriteString("digest", summary.Digest);
                    writer.WriteNumber("items", summary.Items);
                    writer.WriteString("headVersion", Cursors.Format(summary.HeadVersion));
                    writer.WriteNumber("epoch", summary.Epoch);
                }

                if (result.Detail is { } detail)
                {
                    writer.WriteString("detail", detail);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>What the gateway answers 503 for anywhere else (storage below quorum, the cluster unreachable, a silo
    /// leaving mid-call): what a resend may cure.</summary>
    private static bool IsUnavailable(Exception exception) =>
        ProblemExceptionMiddleware.Classify(exception).Problem.Code == ProblemCodes.Unavailable;

    private static string StatusName(RestoreStatus status) => status switch
    {
        RestoreStatus.Restored => "restored",
        RestoreStatus.NotInBackup => "not-in-backup",
        RestoreStatus.BackupsOff => "backups-off",
        RestoreStatus.Damaged => "damaged",
        _ => "unknown",
    };
}
