using System.Security.Cryptography;
using System.Text;

namespace Serverless.Stages;

/// <summary>Hashing and constant-time checking of per-execution callback secrets.</summary>
public static class StageSecrets
{
    public static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string presented, string expectedHash)
    {
        ArgumentNullException.ThrowIfNull(expectedHash);
        var expected = Convert.FromHexString(expectedHash);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expected);
    }
}
