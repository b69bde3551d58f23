using System.Globalization;
using System.Text;

namespace Bridge.Bench.Harness.Load;

/// <summary>
/// samples/payloads/authentik/event-login-admin.json (about 2 KB, matched by the sample's admin-login rule) with a
/// fresh event id per request, so that the bridge's de-duplication never drops one, and optionally a
/// <see cref="Marker"/> in place of the user's e-mail.
/// </summary>
internal sealed class LoginPayload
{
    public const string SamplePk = "3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e";
    public const string SampleEmail = "alice.admin@example.com";
    private readonly string _beforePk;
    private readonly string _betweenPkAndEmail;
    private readonly string _afterEmail;
    private readonly uint _salt;

    public LoginPayload(string sampleFile, uint salt)
    {
        var text = File.ReadAllText(sampleFile);
        var pk = text.IndexOf(SamplePk, StringComparison.Ordinal);
        var email = text.IndexOf(SampleEmail, StringComparison.Ordinal);
        if (pk < 0 || email < pk) throw new InvalidDataException($"{sampleFile}: expected its event pk before the user's e-mail");
        _beforePk = text[..pk];
        _betweenPkAndEmail = text[(pk + SamplePk.Length)..email];
        _afterEmail = text[(email + SampleEmail.Length)..];
        _salt = salt;
        Sample = sampleFile;
    }

    public string Sample { get; }

    /// <summary>wrk's ids have the thread number where this payload's have the high digits of the request number: a salt of their own keeps them apart.</summary>
    public uint WrkSalt => _salt + (1u << 30);

    /// <summary>32 hex digits like Authentik's: the run's salt, then the request's number.</summary>
    public string Id(long n) => string.Create(CultureInfo.InvariantCulture, $"{_salt:x8}{n:x24}");

    public byte[] Body(long n, long sentAt) =>
        Encoding.UTF8.GetBytes(string.Concat(_beforePk, Id(n), _betweenPkAndEmail, Marker.Email(sentAt), _afterEmail));
}
