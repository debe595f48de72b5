using System.Text.Json;
using DeviceSync.Contracts.Accounts;
using DeviceSync.Gateway.Problems;
using DeviceSync.Gateway.Validation;

namespace DeviceSync.Gateway.Accounts;

/// <summary>Parses and validates the bodies of <c>POST /v1/accounts</c> and <c>POST /v1/devices</c>.</summary>
public static class AccountRequests
{
    public const int MaxBodyBytes = 64 * 1024;

    public static Validated<NewAccount> ParseNewAccount(ReadOnlyMemory<byte> body) => JsonInput.Read(body, ReadNewAccount);

    /// <summary>The body of <c>PUT /v1/account/password</c>: <c>{"password": "..."}</c>, with the sign-up's length rule.</summary>
    public static Validated<string> ParseNewPassword(ReadOnlyMemory<byte> body) => JsonInput.Read(body, ReadNewPassword);

    private static Validated<string> ReadNewPassword(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problem.Invalid("The body must be a JSON object.");
        }

        if (!root.TryGetProperty("password", out var passwordElement)
            || !JsonInput.TryGetString(passwordElement, out var password)
            || !Names.HasLength(password, Names.MinPasswordLength, Names.MaxPasswordLength))
        {
            return Problem.Invalid($"password must be a string of {Names.MinPasswordLength} to {Names.MaxPasswordLength} characters.");
        }

        return Validated<string>.Ok(password);
    }

    public static Validated<DeviceRegistration> ParseDeviceRegistration(ReadOnlyMemory<byte> body) =>
        JsonInput.Read(body, ReadDeviceRegistration);

    private static Validated<NewAccount> ReadNewAccount(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problem.Invalid("The body must be a JSON object.");
        }

        if (!root.TryGetProperty("accountId", out var idElement) || !JsonInput.TryGetString(idElement, out var accountId) || !Names.IsAccountId(accountId))
        {
            return Problem.Invalid("accountId must match ^[a-z0-9][a-z0-9._-]{2,63}$.");
        }

        if (!root.TryGetProperty("password", out var passwordElement)
            || !JsonInput.TryGetString(passwordElement, out var password)
            || !Names.HasLength(password, Names.MinPasswordLength, Names.MaxPasswordLength))
        {
            return Problem.Invalid($"password must be a string of {Names.MinPasswordLength} to {Names.MaxPasswordLength} characters.");
        }

        return Validated<NewAccount>.Ok(new NewAccount(accountId, password));
    }

    private static Validated<DeviceRegistration> ReadDeviceRegistration(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problem.Invalid("The body must be a JSON object.");
        }

        if (!root.TryGetProperty("name", out var nameElement)
            || !JsonInput.TryGetString(nameElement, out var name)
            || !Names.HasLength(name, 1, Names.MaxDeviceNameLength))
        {
            return Problem.Invalid($"name must be a string of 1 to {Names.MaxDeviceNameLength} characters.");
        }

        if (!root.TryGetProperty("platform", out var platformElement)
            || !JsonInput.TryGetString(platformElement, out var platform)
            || !Names.HasLength(platform, 1, Names.MaxPlatformLength))
        {
            return Problem.Invalid($"platform must be a string of 1 to {Names.MaxPlatformLength} characters.");
        }

        return Validated<DeviceRegistration>.Ok(new DeviceRegistration { Name = name, Platform = platform });
    }
}
