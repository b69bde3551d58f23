using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>
/// An event's immutable part as one compressed value (schema 7): the raw body, the normalised event and the verdicts
/// together are about 4.1 KB for an Authentik login, just over what a 4 KB page holds, so each took a leaf cell and an
/// overflow page of its own, written to the WAL and again by the checkpoint. Compressed together (the normalised event
/// repeats much of the body, the verdicts repeat their reasons) they are about 1.5 KB, and two or three share a leaf.
/// Layout: a format byte (1: Brotli), the three lengths before compression (32-bit little-endian), then the Brotli
/// stream of body, event JSON and verdicts (UTF-8) back to back.
/// </summary>
internal static class EventDataPack
{
    private const byte Brotli = 1;
    private const int HeaderSize = 1 + 3 * sizeof(int);
    // What pays is two events to a page (under about 2,000 bytes each), not the last byte: Brotli's level 0 gives 1,536
    // bytes for bench's Authentik login (4,121 plain) at the least CPU; level 1 gives 1,450 for a quarter more time,
    // level 2 1,395 for twice the time (measured on 100 stored rows). A 64 KB window covers a typical event whole.
    private const int Quality = 0;
    private const int Window = 16;

    /// <summary>The SQL function migration 7 packs the rows of older files with.</summary>
    public const string SqlFunction = "bridge_pack_event";

    public static byte[] Pack(ReadOnlySpan<byte> body, ReadOnlySpan<byte> eventJson, string verdicts)
    {
        var verdictLength = Encoding.UTF8.GetByteCount(verdicts);
        var plainLength = body.Length + eventJson.Length + verdictLength;
        var plain = ArrayPool<byte>.Shared.Rent(plainLength);
        var packed = ArrayPool<byte>.Shared.Rent(HeaderSize + BrotliEncoder.GetMaxCompressedLength(plainLength));
        try
        {
            body.CopyTo(plain);
            eventJson.CopyTo(plain.AsSpan(body.Length));
            Encoding.UTF8.GetBytes(verdicts, plain.AsSpan(body.Length + eventJson.Length));
            packed[0] = Brotli;
            BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(1), body.Length);
            BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(5), eventJson.Length);
            BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(9), verdictLength);
            if (!BrotliEncoder.TryCompress(plain.AsSpan(0, plainLength), packed.AsSpan(HeaderSize), out var written, Quality, Window))
                throw new InvalidOperationException("Brotli could not compress an event within its maximum compressed length");
            return packed.AsSpan(0, HeaderSize + written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(packed);
        }
    }

    /// <exception cref="StoreUnavailableException">The value is not a packed event (a damaged or foreign file).</exception>
    public static (byte[] Body, byte[] EventJson, string Verdicts) Unpack(byte[] packed)
    {
        if (packed.Length < HeaderSize || packed[0] != Brotli)
            throw new StoreUnavailableException($"an event's stored data has an unknown format ({(packed.Length == 0 ? "empty" : $"format byte {packed[0]}")})");
        var bodyLength = Length(packed, 1);
        var jsonLength = Length(packed, 5);
        var plainLength = bodyLength + jsonLength + Length(packed, 9);
        var plain = ArrayPool<byte>.Shared.Rent(plainLength);
        try
        {
            if (!BrotliDecoder.TryDecompress(packed.AsSpan(HeaderSize), plain.AsSpan(0, plainLength), out var written) || written != plainLength)
                throw new StoreUnavailableException("an event's stored data does not decompress to the lengths it records");
            return (plain.AsSpan(0, bodyLength).ToArray(), plain.AsSpan(bodyLength, jsonLength).ToArray(),
                Encoding.UTF8.GetString(plain, bodyLength + jsonLength, plainLength - bodyLength - jsonLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private static int Length(byte[] packed, int at) => BinaryPrimitives.ReadInt32LittleEndian(packed.AsSpan(at)) is >= 0 and var length
        ? length
        : throw new StoreUnavailableException("an event's stored data records a negative length");

    /// <summary>Makes <see cref="SqlFunction"/> callable on <paramref name="connection"/> (migrations run on it).</summary>
    public static void Register(SqliteConnection connection) =>
        connection.CreateFunction<byte[], byte[], string, byte[]>(SqlFunction, (body, eventJson, verdicts) => Pack(body, eventJson, verdicts), isDeterministic: true);
}
