using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Conflicts;

public static class ConflictQueryParser
{
    public const int DefaultLimit = 100;

    public static Validated<ConflictQuery> Parse(IQueryCollection query)
    {
        if (!TrySingle(query, "collection", out var collection)
            || !TrySingle(query, "cursor", out var cursor)
            || !TrySingle(query, "limit", out var limitText))
        {
            return Problem.Invalid("collection, cursor and limit may each appear at most once, and not empty.");
        }

        var limit = DefaultLimit;
        if (limitText is not null)
        {
            if (!Cursors.TryParse(limitText, out var value) || value < 1 || value > SyncLimits.MaxConflictsPerPage)
            {
                return Problem.Invalid($"limit must be an integer from 1 to {SyncLimits.MaxConflictsPerPage}.");
            }

            limit = (int)value;
        }

        if (collection is not null)
        {
            if (!Names.IsCollectionName(collection))
            {
                return Problem.Invalid("collection must match ^[a-z0-9][a-z0-9-]{0,63}$.");
            }

            long? sequence = null;
            if (cursor is not null)
            {
                if (!Cursors.TryParse(cursor, out var value))
                {
                    return Problem.Invalid("cursor must be a decimal string (0 to 2^53-1) from an earlier page.");
                }

                sequence = value;
            }

            return Validated<ConflictQuery>.Ok(new ConflictQuery(collection, null, sequence, limit));
        }

        if (cursor is null)
        {
            return Validated<ConflictQuery>.Ok(new ConflictQuery(null, null, null, limit));
        }

        var colon = cursor.LastIndexOf(':');
        if (colon <= 0
            || !Names.IsCollectionName(cursor[..colon])
            || !Cursors.TryParse(cursor[(colon + 1)..], out var position))
        {
            return Problem.Invalid("Without collection, cursor must be \"collection:sequence\" from an earlier page.");
        }

        return Validated<ConflictQuery>.Ok(new ConflictQuery(null, cursor[..colon], position, limit));
    }

    private static bool TrySingle(IQueryCollection query, string name, out string? value)
    {
        value = null;
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return true;
        }

        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return false;
        }

        value = values[0];
        return true;
    }
}
