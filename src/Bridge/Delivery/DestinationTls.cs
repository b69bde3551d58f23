using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bridge.Configuration;

namespace Bridge.Delivery;

/// <summary>
/// TLS to a destination: certificate and host-name verification always on. With <c>ca_file</c>, the destination's
/// chain must end at one of those CAs and nowhere else (a private CA for a self-hosted ntfy).
/// </summary>
public static class DestinationTls
{
    public static SslClientAuthenticationOptions ClientOptions(DestinationConfig destination)
    {
        var options = new SslClientAuthenticationOptions();
        if (destination.CaFile is null) return options;

        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // Private CAs rarely publish revocation lists; an unreachable one would fail every connection.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        // Checked when the config was read; should the file have gone since, no root is trusted and delivery
        // fails with a TLS error in the log, rather than falling back to the system's CAs.
        if (CaBundle.Load(destination.CaFile).Certificates is { } roots) policy.CustomTrustStore.AddRange(roots);
        options.CertificateChainPolicy = policy;
        return options;
    }
}
