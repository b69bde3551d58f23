using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bridge.Configuration;

/// <summary>Reads a destination's <c>ca_file</c>: PEM certificates of the CAs to trust for it.</summary>
public static class CaBundle
{
    /// <returns>The certificates, or null and a reason that names the file.</returns>
    public static (X509Certificate2Collection? Certificates, string? Error) Load(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read {path}: {e.GetType().Name}");
        }
        catch (CryptographicException e)
        {
            return (null, $"{path} is not PEM certificates: {e.Message}");
        }
        return certificates.Count == 0
            ? (null, $"{path} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)")
            : (certificates, null);
    }
}
