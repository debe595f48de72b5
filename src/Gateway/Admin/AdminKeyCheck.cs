using System.Security.Cryptography;
using System.Text;
using DeviceSync.Gateway.Problems;
using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Admin;

/// <summary>Checks <c>X-Admin-Key</c> in constant time (hashes of both sides, so lengths do not leak).</summary>
public sealed class AdminKeyCheck(IOptions<AdminOptions> options)
{
    public const string HeaderName = "X-Admin-Key";

    /// <summary>Null when the request may go on; otherwise the problem to answer (404 without a configured key, 403 for a wrong one).</summary>
    public ProblemResult? Check(HttpRequest request)
    {
        var configured = options.Value.AdminKey;
        if (string.IsNullOrEmpty(configured))
        {
            return ProblemResults.NotFound("No such route.");
        }

        var presented = request.Headers[HeaderName];
        if (presented.Count != 1 || string.IsNullOrEmpty(presented[0]))
        {
            return ProblemResults.Forbidden("The admin key is missing.");
        }

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented[0]!));
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? null : ProblemResults.Forbidden("The admin key is wrong.");
    }
}
