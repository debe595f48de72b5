using System.Text;
using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// Re-checks a request the gateway already validated, before anything is decided: a malformed request must
/// change nothing, not even its valid mutations before the bad one (PROTOCOL.md, errors).
/// </summary>
internal static class SyncRequestGuard
{
    private const int MaxItemIdLength = 128;

    public static void Check(SyncCollectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.DeviceId))
        {
            throw new ArgumentException("The request names no device.", nameof(request));
        }

        if (request.Cursor is < 0 or > SyncLimits.MaxSafeInteger)
        {
            throw new ArgumentException($"Cursor {request.Cursor} is outside 0 to 2^53 - 1.", nameof(request));
        }

        if (request.Limit is < 1 or > SyncLimits.MaxChangesLimit)
        {
            throw new ArgumentException($"Limit {request.Limit} is outside 1 to {SyncLimits.MaxChangesLimit}.", nameof(request));
        }

        var mutations = request.Mutations ?? throw new ArgumentException("Mutations are missing.", nameof(request));
        if (mutations.Count > SyncLimits.MaxMutationsPerCollection)
        {
            throw new ArgumentException($"More than {SyncLimits.MaxMutationsPerCollection} mutations.", nameof(request));
        }

        foreach (var mutation in mutations)
        {
            CheckMutation(mutation ?? throw new ArgumentException("A mutation is null.", nameof(request)));
        }
    }

    private static void CheckMutation(Mutation mutation)
    {
        if (mutation.Id is < 1 or > SyncLimits.MaxSafeInteger)
        {
            throw new ArgumentException($"Mutation id {mutation.Id} is outside 1 to 2^53 - 1.", nameof(mutation));
        }

        if (!IsItemId(mutation.ItemId))
        {
            throw new ArgumentException($"Mutation {mutation.Id} has an invalid item id.", nameof(mutation));
        }

        if (mutation.BaseVersion is < 0 or > SyncLimits.MaxSafeInteger)
        {
            throw new ArgumentException($"Mutation {mutation.Id} has an invalid base version.", nameof(mutation));
        }

        switch (mutation.Op)
        {
            case MutationOp.Put:
                CheckData(mutation);
                break;
            case MutationOp.Delete:
                break;
            case MutationOp.Restore:
                if (mutation.Version is < 0 or > SyncLimits.MaxSafeInteger)
                {
                    throw new ArgumentException($"Mutation {mutation.Id} has an invalid version.", nameof(mutation));
                }

                CheckData(mutation);
                break;
            default:
                throw new ArgumentException($"Mutation {mutation.Id} has no valid op.", nameof(mutation));
        }
    }

    private static void CheckData(Mutation mutation)
    {
        // Only the size is checked; the gateway has already verified the data is a JSON object and we never parse it.
        if (mutation.Data is null)
        {
            throw new ArgumentException($"Mutation {mutation.Id} carries no data.", nameof(mutation));
        }

        if (mutation.Data.Length > SyncLimits.MaxItemDataBytes
            || Encoding.UTF8.GetByteCount(mutation.Data) > SyncLimits.MaxItemDataBytes)
        {
            throw new ArgumentException($"Mutation {mutation.Id} carries data over the item limit.", nameof(mutation));
        }
    }

    private static bool IsItemId(string? itemId)
    {
        if (string.IsNullOrEmpty(itemId) || itemId.Length > MaxItemIdLength)
        {
            return false;
        }

        foreach (var ch in itemId)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '~' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
