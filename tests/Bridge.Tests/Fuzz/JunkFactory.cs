using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Bridge.Tests.Fuzz;

/// <summary>One request the fuzzer sends: where, which headers, which bytes, and a label for failure messages.</summary>
internal sealed record FuzzRequest(string PathAndQuery, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, string Kind);

/// <summary>
/// Makes junk from a seeded <see cref="Random"/>, so a failing run can be replayed exactly: random bytes, mutations of
/// valid bodies, hostile JSON, and wrong, malformed or correct-but-misapplied credentials and signatures.
/// </summary>
internal sealed class JunkFactory(Random random, string token, string githubSecret, string standardSecret, byte[] validAuthentik)
{
    private static readonly string[] Sources = ["authentik", "github", "svix", "nope", "AUTHENTIK", "authentik/extra", "%2e%2e", "a%00b", new string('s', 300)];
    private static readonly string[] ContentTypes = ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", ""];

    public FuzzRequest Next()
    {
        return random.Next(10) switch
        {
            0 => Raw(RandomBytes(random.Next(4) == 0 ? random.Next(60_000, 200_000) : random.Next(0, 3000)), "random bytes", [("Authorization", "Bearer " + token)]),
            1 or 2 => WithToken(Mutate(validAuthentik), "mutated valid body"),
            3 => WithToken(HostileJson(), "hostile json"),
            4 => Raw(validAuthentik, "random credentials", RandomCredentials()),
            5 => Signed("github", Mutate(Encoding.UTF8.GetBytes("{\"action\":\"opened\",\"n\":1}")), "github-signed junk"),
            6 => StandardSigned(HostileJson(), "standard-signed junk"),
            7 => Raw(RandomBytes(random.Next(0, 200)), "random path", RandomCredentials(), path: "/hooks/" + Pick(Sources) + RandomQuery()),
            8 => Raw(HostileJson(), "wrong signature", [("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(RandomBytes(32)))], path: "/hooks/github"),
            _ => Raw(validAuthentik, "standard headers junk", StandardJunkHeaders(), path: "/hooks/svix"),
        };
    }

    private FuzzRequest Raw(byte[] body, string kind, IEnumerable<(string, string)>? headers = null, string path = "/hooks/authentik")
    {
        var list = new List<(string, string)>(headers ?? []);
        if (random.Next(3) == 0) list.Add(("Content-Type", Pick(ContentTypes)));
        return new FuzzRequest(path, list, body, kind);
    }

    private FuzzRequest WithToken(byte[] body, string kind) => Raw(body, kind, [("Authorization", "Bearer " + token)]);

    private FuzzRequest Signed(string source, byte[] body, string kind) =>
        Raw(body, kind, [("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(githubSecret), body)))], path: "/hooks/" + source);

    private FuzzRequest StandardSigned(byte[] body, string kind)
    {
        var id = "msg_junk_" + random.Next().ToString(CultureInfo.InvariantCulture);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var key = Convert.FromBase64String(standardSecret["whsec_".Length..]);
        var signature = HMACSHA256.HashData(key, (byte[])[.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body]);
        return Raw(body, kind, [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", "v1," + Convert.ToBase64String(signature))], path: "/hooks/svix");
    }

    private byte[] Mutate(byte[] valid)
    {
        var bytes = new List<byte>(valid);
        var edits = random.Next(1, 12);
        for (var i = 0; i < edits && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, Pick("{}[]\",:\\0-9eE.ntf\u00ff"u8.ToArray())); break;
                default: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 64))); break;
            }
        }
        return [.. bytes];
    }

    private byte[] HostileJson()
    {
        var text = random.Next(12) switch
        {
            0 => new string('[', random.Next(60, 5000)) + new string(']', random.Next(0, 5000)),
            1 => "{\"a\":" + new string('{', random.Next(60, 500)) + "}",
            2 => "{\"n\": " + Pick(["1e999", "-1e400", "123456789012345678901234567890", "0.0000000000000000000001", "-0", "1E+308", "NaN", "Infinity", "01", "1.", ".5"]) + "}",
            3 => "{\"s\": \"" + Pick(["\\ud800", "\\udc00\\ud800", "\\u00", "\\x41", "\\uZZZZ", "\\u0000", "\t", "\\"]) + "\"}",
            4 => "{\"a\":1,\"a\":2}",
            5 => "{\"event\": {\"action\": " + Pick(["null", "1", "[]", "{}", "\"\"", "\"login\"", "true"]) + ", \"user\": " + Pick(["null", "5", "[]", "{\"groups\": 7}", "{\"groups\": [1, null, {}]}"]) + ", \"client_ip\": " + Pick(["\"::ffff:1.2.3.4\"", "\"999.1.1.1\"", "7", "\"\"", "null"]) + "}}",
            6 => "{\"body\": " + Pick(["7", "\"login_failed: {'a': 1}\"", "\": no action\"", "null", "\"x\"" ]) + ", \"severity\": " + Pick(["\"alert\"", "5", "null", "\"SEVERE\""]) + "}",
            7 => "{\"notification\": " + Pick(["[]", "{}", "null", "\"x\""]) + ", \"event\": " + Pick(["[]", "{}", "null", "5"]) + "}",
            8 => "{\"" + new string('k', random.Next(1, 5000)) + "\": \"" + new string('v', random.Next(1, 20000)) + "\"}",
            9 => string.Concat(Enumerable.Repeat("{\"k\":[1,2,{\"x\":\"y\"}]}", random.Next(1, 50))),
            10 => "{\"action\": \"" + Pick(["opened", "fuzz_valid", "", "\\u0000"]) + "\", \"id\": " + Pick(["\"x\"", "1", "null", "[]"]) + "}",
            _ => "{" + string.Join(",", Enumerable.Range(0, random.Next(1, 400)).Select(i => $"\"k{i}\":{i}")) + "}",
        };
        return Encoding.UTF8.GetBytes(text);
    }

    private List<(string, string)> RandomCredentials() => random.Next(7) switch
    {
        0 => [],
        1 => [("Authorization", "Bearer " + PrintableAscii(random.Next(0, 80)))],
        2 => [("Authorization", "Basic " + PrintableAscii(random.Next(0, 80)))],
        3 => [("Authorization", PrintableAscii(random.Next(0, 200)))],
        4 => [("Authorization", "Bearer " + token + PrintableAscii(random.Next(1, 3)))],
        5 => [("X-Hub-Signature-256", PrintableAscii(random.Next(0, 80)))],
        _ => [("Authorization", "Bearer " + token[..^1])],
    };

    private List<(string, string)> StandardJunkHeaders()
    {
        var headers = new List<(string, string)>();
        if (random.Next(4) > 0) headers.Add(("webhook-id", PrintableAscii(random.Next(0, 400))));
        if (random.Next(4) > 0) headers.Add(("webhook-timestamp", Pick(["0", "-1", "99999999999999999999", "1614265330", PrintableAscii(10), DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)])));
        if (random.Next(4) > 0) headers.Add(("webhook-signature", Pick(["v1,", "v1,====", "v2,abc", PrintableAscii(random.Next(0, 200)), "v1," + Convert.ToBase64String(RandomBytes(32)), string.Join(' ', Enumerable.Repeat("v1,AAAA", random.Next(1, 300)))])));
        return headers;
    }

    private string RandomQuery() => random.Next(3) switch
    {
        0 => "",
        1 => "?token=" + Uri.EscapeDataString(PrintableAscii(random.Next(0, 60))),
        _ => "?token=" + token + "&token=" + token,
    };

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Header values must be printable ASCII for the client to send them at all.</summary>
    private string PrintableAscii(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = (char)random.Next(0x20, 0x7F);
        return new string(chars).Trim();
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
