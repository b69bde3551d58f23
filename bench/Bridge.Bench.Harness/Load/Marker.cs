using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;

namespace Bridge.Bench.Harness.Load;

/// <summary>
/// The send time carried through every system under test: the generator writes "benchts" and the
/// <see cref="Stopwatch"/> timestamp into the event user's e-mail, every mapping copies the e-mail into the ntfy
/// message, and the sink reads it back. Generator and sink share one process, hence one clock.
/// </summary>
internal static class Marker
{
    private static ReadOnlySpan<byte> Prefix => "benchts"u8;

    public static string Email(long timestamp) => $"benchts{timestamp}@example.com";

    /// <summary>The timestamp in a delivered body, or null when it carries none (wrk's requests do not).</summary>
    public static long? Find(ReadOnlySpan<byte> body)
    {
        var at = body.IndexOf(Prefix);
        if (at < 0) return null;
        var digits = body[(at + Prefix.Length)..];
        return Utf8Parser.TryParse(digits, out long timestamp, out _) ? timestamp : null;
    }

    public static long? Find(in ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment) return Find(body.FirstSpan);
        var copy = ArrayPool<byte>.Shared.Rent((int)body.Length);
        try
        {
            body.CopyTo(copy);
            return Find(copy.AsSpan(0, (int)body.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }
}
