using System.Text.Json;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Sync;

/// <summary>
/// Parses and validates a <c>/v1/sync</c> body against every rule of PROTOCOL.md before anything reaches a
/// grain. Never throws for bad input: every malformed body is a <see cref="Problem"/>. Unknown properties are
/// ignored. Count limits (collections, mutations) and size limits (body, item data) are
/// <c>payload-too-large</c>; everything else is <c>invalid-request</c>.
/// </summary>
public static class SyncRequestParser
{
    public static Validated<SyncRequest> Parse(ReadOnlyMemory<byte> body)
    {
        if (body.Length > SyncLimits.MaxSyncBodyBytes)
        {
            return Problem.TooLarge($"A sync body is at most {SyncLimits.MaxSyncBodyBytes} bytes.");
        }

        return JsonInput.Read(body, ParseRoot);
    }

    private static Validated<SyncRequest> ParseRoot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problem.Invalid("The body must be a JSON object.");
        }

        if (!root.TryGetProperty("collections", out var collections) || collections.ValueKind != JsonValueKind.Array)
        {
            return Problem.Invalid("'collections' must be an array.");
        }

        var count = collections.GetArrayLength();
        if (count > SyncLimits.MaxCollectionsPerSync)
        {
            return Problem.TooLarge($"A sync request has at most {SyncLimits.MaxCollectionsPerSync} collections.");
        }

        var parts = new List<SyncCollectionPart>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in collections.EnumerateArray())
        {
            var part = ParseCollection(element, $"collections[{index}]");
            if (!part.IsValid)
            {
                return part.Problem;
            }

            if (!names.Add(part.Value.Name))
            {
                return Problem.Invalid($"collections[{index}]: collection '{part.Value.Name}' appears more than once.");
            }

            parts.Add(part.Value);
            index++;
        }

        return Validated<SyncRequest>.Ok(new SyncRequest(parts));
    }

    private static Validated<SyncCollectionPart> ParseCollection(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return Problem.Invalid($"{path} must be an object.");
        }

        if (!element.TryGetProperty("name", out var nameElement)
            || !JsonInput.TryGetString(nameElement, out var name)
            || !Names.IsCollectionName(name))
        {
            return Problem.Invalid($"{path}.name must match ^[a-z0-9][a-z0-9-]{{0,63}}$.");
        }

        long? cursor = null;
        if (JsonInput.TryGetValue(element, "cursor", out var cursorElement))
        {
            if (!JsonInput.TryGetString(cursorElement, out var cursorText) || !Cursors.TryParse(cursorText, out var value))
            {
                return Problem.Invalid($"{path}.cursor must be null or a decimal version string (0 to 2^53-1, no sign, spaces or leading zeros).");
            }

            cursor = value;
        }

        var limit = SyncLimits.DefaultChangesLimit;
        if (JsonInput.TryGetValue(element, "limit", out var limitElement))
        {
            if (!JsonInput.TryGetSafeInteger(limitElement, 1, out var value) || value > SyncLimits.MaxChangesLimit)
            {
                return Problem.Invalid($"{path}.limit must be an integer from 1 to {SyncLimits.MaxChangesLimit}.");
            }

            limit = (int)value;
        }

        IReadOnlyList<Mutation> mutations = [];
        if (JsonInput.TryGetValue(element, "mutations", out var mutationsElement))
        {
            var parsed = ParseMutations(mutationsElement, path + ".mutations");
            if (!parsed.IsValid)
            {
                return parsed.Problem;
            }

            mutations = parsed.Value;
        }

        var confirmMassDelete = false;
        if (JsonInput.TryGetValue(element, "confirmMassDelete", out var confirmElement))
        {
            if (confirmElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Problem.Invalid($"{path}.confirmMassDelete must be true or false.");
            }

            confirmMassDelete = confirmElement.GetBoolean();
        }

        return Validated<SyncCollectionPart>.Ok(new SyncCollectionPart(name, cursor, limit, mutations, confirmMassDelete));
    }

    private static Validated<IReadOnlyList<Mutation>> ParseMutations(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            return Problem.Invalid($"{path} must be an array.");
        }

        var count = element.GetArrayLength();
        if (count > SyncLimits.MaxMutationsPerCollection)
        {
            return Problem.TooLarge($"{path}: a collection carries at most {SyncLimits.MaxMutationsPerCollection} mutations per request.");
        }

        var mutations = new List<Mutation>(count);
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var mutation = ParseMutation(item, $"{path}[{index}]");
            if (!mutation.IsValid)
            {
                return mutation.Problem;
            }

            mutations.Add(mutation.Value);
            index++;
        }

        return Validated<IReadOnlyList<Mutation>>.Ok(mutations);
    }

    private static Validated<Mutation> ParseMutation(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return Problem.Invalid($"{path} must be an object.");
        }

        if (!element.TryGetProperty("id", out var idElement) || !JsonInput.TryGetSafeInteger(idElement, 1, out var id))
        {
            return Problem.Invalid($"{path}.id must be an integer from 1 to 2^53-1.");
        }

        if (!element.TryGetProperty("op", out var opElement) || !JsonInput.TryGetString(opElement, out var opText))
        {
            return Problem.Invalid($"{path}.op must be \"put\", \"delete\" or \"restore\".");
        }

        var op = opText switch
        {
            "put" => MutationOp.Put,
            "delete" => MutationOp.Delete,
            "restore" => MutationOp.Restore,
            _ => MutationOp.None,
        };
        if (op == MutationOp.None)
        {
            return Problem.Invalid($"{path}.op must be \"put\", \"delete\" or \"restore\".");
        }

        if (!element.TryGetProperty("itemId", out var itemElement)
            || !JsonInput.TryGetString(itemElement, out var itemId)
            || !Names.IsItemId(itemId))
        {
            return Problem.Invalid($"{path}.itemId must match ^[A-Za-z0-9._~-]{{1,128}}$.");
        }

        long? baseVersion = null;
        if (JsonInput.TryGetValue(element, "baseVersion", out var baseElement))
        {
            if (!JsonInput.TryGetSafeInteger(baseElement, 0, out var value))
            {
                return Problem.Invalid($"{path}.baseVersion must be null or an integer from 0 to 2^53-1.");
            }

            baseVersion = value;
        }

        long version = 0;
        if (op == MutationOp.Restore)
        {
            if (!element.TryGetProperty("version", out var versionElement) || !JsonInput.TryGetSafeInteger(versionElement, 1, out version))
            {
                return Problem.Invalid($"{path}.version must be an integer from 1 to 2^53-1 for a restore.");
            }
        }

        string? data = null;
        if (op != MutationOp.Delete)
        {
            if (!element.TryGetProperty("data", out var dataElement) || dataElement.ValueKind != JsonValueKind.Object)
            {
                return Problem.Invalid($"{path}.data must be a JSON object for a {opText}.");
            }

            if (JsonInput.RawLength(dataElement) > SyncLimits.MaxItemDataBytes)
            {
                return Problem.TooLarge($"{path}.data is over {SyncLimits.MaxItemDataBytes} bytes.");
            }

            data = dataElement.GetRawText();
        }

        return Validated<Mutation>.Ok(new Mutation
        {
            Id = id,
            Op = op,
            ItemId = itemId,
            BaseVersion = baseVersion,
            Version = version,
            Data = data,
        });
    }
}
