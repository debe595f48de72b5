using System.Text.Json;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Admin;

/// <summary>Validates <c>{"accounts":[{"accountId","devices"}], "provisionId"?}</c>: at most 1000 accounts, 1..100 devices each,
/// no duplicates; an optional provision id of 22..128 base64url characters.</summary>
public static class ProvisionRequestParser
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static Validated<ProvisionRequest> Parse(ReadOnlyMemory<byte> body) => JsonInput.Read(body, ReadRoot);

    private static Validated<ProvisionRequest> ReadRoot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("accounts", out var accounts)
            || accounts.ValueKind != JsonValueKind.Array)
        {
            return Problem.Invalid("The body must be {\"accounts\": [...]}.");
        }

        if (accounts.GetArrayLength() > SyncLimits.MaxProvisionAccounts)
        {
            return Problem.TooLarge($"At most {SyncLimits.MaxProvisionAccounts} accounts per call.");
        }

        var list = new List<ProvisionAccount>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in accounts.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object
                || !element.TryGetProperty("accountId", out var idElement)
                || !JsonInput.TryGetString(idElement, out var accountId)
                || !Names.IsAccountId(accountId))
            {
                return Problem.Invalid($"accounts[{index}].accountId must match ^[a-z0-9][a-z0-9._-]{{2,63}}$.");
            }

            if (!element.TryGetProperty("devices", out var devicesElement)
                || !JsonInput.TryGetSafeInteger(devicesElement, 1, out var devices)
                || devices > SyncLimits.MaxProvisionDevicesPerAccount)
            {
                return Problem.Invalid($"accounts[{index}].devices must be an integer from 1 to {SyncLimits.MaxProvisionDevicesPerAccount}.");
            }

            if (!seen.Add(accountId))
            {
                return Problem.Invalid($"accounts[{index}]: account '{accountId}' appears more than once.");
            }

            list.Add(new ProvisionAccount(accountId, (int)devices));
            index++;
        }

        string? provisionId = null;
        if (root.TryGetProperty("provisionId", out var idProperty) && idProperty.ValueKind != JsonValueKind.Null)
        {
            if (!JsonInput.TryGetString(idProperty, out var id) || !Names.IsProvisionId(id))
            {
                return Problem.Invalid($"provisionId must be null or {Names.MinProvisionIdLength} to {Names.MaxProvisionIdLength} characters of A-Z, a-z, 0-9, '-' and '_' (a random secret of at least 128 bits).");
            }

            provisionId = id;
        }

        return Validated<ProvisionRequest>.Ok(new ProvisionRequest(list, provisionId));
    }
}
