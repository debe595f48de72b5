using DeviceSync.Contracts.Blobs;
using DeviceSync.Gateway.Admin;
using DeviceSync.Gateway.Auth;
using DeviceSync.Gateway.Http;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DeviceSync.Gateway.Blobs;

/// <summary>
/// <c>PUT</c> and <c>GET /v1/blobs/{sha256}</c> (PROTOCOL.md, "Blobs"; docs/protocol.md, section 10). The bytes go
/// between the device and the storage replicas in blocks, never whole in memory; the account's blob index (a grain)
/// decides 201/200 and who may read.
/// </summary>
public static class BlobEndpoints
{
    private const string DefaultContentType = "application/octet-stream";
    private const int MaxContentTypeLength = 256;

    public static WebApplication MapBlobs(this WebApplication app)
    {
        app.MapPut("/v1/blobs/{sha256}", PutAsync).RequireDevice();
        app.MapGet("/v1/blobs/{sha256}", GetAsync).RequireDevice();
        app.MapGet("/v1/admin/accounts/{accountId}/blobs", ReferencesAsync);
        app.MapPost("/v1/admin/accounts/{accountId}/blobs/collect", CollectAsync);
        return app;
    }

    private static async Task<IResult> PutAsync(
        HttpContext context, string sha256, ReplicatedBlobStore store, BlobIndex index, BlobBackupCopier backups, IOptions<BlobOptions> options, TimeProvider time)
    {
        if (!store.Enabled)
        {
            return ProblemResults.NotFound("This gateway serves no blobs (Storage:Replicas is not configured).");
        }

        if (!BlobHashes.IsValid(sha256))
        {
            return ProblemResults.Invalid("The blob name must be the lower-case hex SHA-256 of the body (64 characters 0-9a-f).");
        }

        var contentType = context.Request.ContentType;
        if (string.IsNullOrWhiteSpace(contentType))
        {
            contentType = DefaultContentType;
        }
        else if (contentType.Length > MaxContentTypeLength || !MediaTypeHeaderValue.TryParse(contentType, out _))
        {
            return ProblemResults.Invalid($"Content-Type must be a media type of at most {MaxContentTypeLength} characters.");
        }

        var maxBytes = options.Value.MaxBytes;
        if (context.Request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes); // refused before a byte of the body is read
        }

        // Kestrel's own limit (30 MB) is below the protocol's; the store counts the bytes and stops past MaxBytes.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        // The ticket is taken before any byte is committed: if the account's index collects this hash while the upload runs
        // (the commit may find the old bytes and count them, and the collection then deletes them), the record is refused.
        var accountId = context.Device().AccountId;
        var ticket = await index.BeginUploadAsync(accountId, sha256, context.RequestAborted);
        var written = await store.UploadAsync(accountId, sha256, context.Request.Body, context.RequestAborted);
        switch (written.Outcome)
        {
            case BlobWriteOutcome.TooLarge:
                return TooLarge(maxBytes);
            case BlobWriteOutcome.HashMismatch:
                return ProblemResults.Invalid("The body's SHA-256 is not the blob name it was sent under; nothing was kept.");
            case BlobWriteOutcome.Unavailable:
                return ProblemResults.Unavailable("Too few storage replicas took the blob; nothing was kept. Retrying is safe.");
        }

        var record = new BlobRecord { Sha256 = sha256, ContentType = contentType, Length = written.Length, UploadedAt = time.GetUtcNow() };
        var outcome = await index.RecordUploadAsync(accountId, record, ticket, context.RequestAborted);
        if (outcome == BlobUploadOutcome.CollectedWhileUploading)
        {
            return ProblemResults.Unavailable("The blob was garbage-collected while it was uploaded; nothing was kept. Upload it again.");
        }

        // Queued once the bytes are durable on the replicas and recorded, whatever the index answers: an account that
        // uploads again after a lost answer or a gateway crash also gets its backup copy (the copier skips blobs the backup has).
        backups.Enqueue(accountId, sha256);
        var isNew = outcome == BlobUploadOutcome.Created;
        if (isNew)
        {
            context.Response.Headers.Location = "/v1/blobs/" + sha256;
        }

        return new JsonBodyResult(isNew ? StatusCodes.Status201Created : StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("sha256", sha256);
            writer.WriteNumber("length", written.Length);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetAsync(HttpContext context, string sha256, ReplicatedBlobStore store, BlobIndex index)
    {
        if (!store.Enabled)
        {
            return ProblemResults.NotFound("This gateway serves no blobs (Storage:Replicas is not configured).");
        }

        if (!BlobHashes.IsValid(sha256))
        {
            return ProblemResults.Invalid("The blob name must be the lower-case hex SHA-256 of the body (64 characters 0-9a-f).");
        }

        // The account's index alone decides: storage is not consulted for a blob this account never uploaded, so the
        // answer (and its timing) is the same whether or not another account holds the same bytes.
        if (await index.FindAsync(context.Device().AccountId, sha256, context.RequestAborted) is not { } record)
        {
            return ProblemResults.NotFound("This account has no blob with that hash.");
        }

        var stream = await store.OpenReadAsync(context.Device().AccountId, sha256, context.RequestAborted);
        if (stream is null)
        {
            return ProblemResults.Unavailable("No storage replica can serve this blob right now; retrying is safe.");
        }

        // ASP.NET Core answers If-None-Match (304), Range (206, or 416) and If-Range from the ETag and the seekable stream.
        return Results.Stream(
            stream,
            record.ContentType,
            lastModified: record.UploadedAt,
            entityTag: new EntityTagHeaderValue("\"" + sha256 + "\""),
            enableRangeProcessing: true);
    }

    /// <summary>Operators: which of an account's blobs its items refer to, and the garbage collector's state for the account.</summary>
    private static async Task<IResult> ReferencesAsync(HttpContext context, AdminKeyCheck keyCheck, BlobIndex index, string accountId)
    {
        if (keyCheck.Check(context.Request) is { } refused)
        {
            return refused;
        }

        if (!Names.IsAccountId(accountId))
        {
            return ProblemResults.Invalid("The account id must match the account id rule (docs/protocol.md, section 3).");
        }

        var report = await index.FindUnreferencedAsync(accountId, context.RequestAborted);
        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("accountId", accountId);
            writer.WriteNumber("blobs", report.Blobs);
            writer.WriteNumber("referenced", report.Referenced);
            writer.WriteNumber("collectionsScanned", report.CollectionsScanned);
            writer.WriteNumber("awaitingGrace", report.AwaitingGrace);
            writer.WriteNumber("pendingDeletes", report.PendingDeletes);
            writer.WriteNumber("collectedTotal", report.CollectedTotal);
            writer.WriteStartArray("unreferenced");
            foreach (var blob in report.Unreferenced)
            {
                writer.WriteStartObject();
                writer.WriteString("sha256", blob.Sha256);
                writer.WriteNumber("length", blob.Length);
                writer.WriteString("uploadedAt", JsonFormats.Timestamp(blob.UploadedAt));
                if (blob.UnreferencedSince is { } since)
                {
                    writer.WriteString("unreferencedSince", JsonFormats.Timestamp(since));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("missing");
            foreach (var sha256 in report.Missing)
            {
                writer.WriteStringValue(sha256);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Operators: one garbage-collection pass over the account now, as the background collector runs it every
    /// <c>Blobs:Gc:ScanInterval</c>. Safe at any time: a pass never collects a blob before its grace period.
    /// </summary>
    private static async Task<IResult> CollectAsync(HttpContext context, AdminKeyCheck keyCheck, BlobIndex index, string accountId)
    {
        if (keyCheck.Check(context.Request) is { } refused)
        {
            return refused;
        }

        if (!Names.IsAccountId(accountId))
        {
            return ProblemResults.Invalid("The account id must match the account id rule (docs/protocol.md, section 3).");
        }

        var report = await index.CollectGarbageAsync(accountId, context.RequestAborted);
        return new JsonBodyResult(StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("accountId", accountId);
            writer.WriteBoolean("enabled", report.Enabled);
            writer.WriteNumber("blobs", report.Blobs);
            writer.WriteNumber("marked", report.Marked);
            writer.WriteNumber("awaitingGrace", report.AwaitingGrace);
            writer.WriteNumber("collected", report.Collected);
            writer.WriteNumber("collectedBytes", report.CollectedBytes);
            writer.WriteNumber("bytesDeleted", report.BytesDeleted);
            writer.WriteNumber("pendingDeletes", report.PendingDeletes);
            writer.WriteEndObject();
        });
    }

    private static ProblemResult TooLarge(long maxBytes) =>
        ProblemResult.Of(ProblemCodes.PayloadTooLarge, $"A blob may be at most {maxBytes} bytes; nothing was kept.");
}
