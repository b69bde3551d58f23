using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Bridge.Events;

/// <summary>
/// Writes JSON into a buffer kept per thread and returns a copy of exactly what was written: one array (or string) the
/// size of the result per call. A <see cref="Utf8JsonWriter"/> over a <see cref="MemoryStream"/> allocates about four
/// times the result (its own growing buffer, the stream's, then the copy out), on the hot path for every event and message.
/// </summary>
public static class JsonBytes
{
    /// <summary>A buffer grown past this by a large document is dropped after use rather than kept by its thread.</summary>
    private const int MaxKeptBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static byte[] Write<TState>(TState state, Action<Utf8JsonWriter, TState> write, JsonWriterOptions options = default)
    {
        var buffer = Fill(state, write, options);
        try
        {
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            Return(buffer);
        }
    }

    /// <summary>The same, as text.</summary>
    public static string WriteText<TState>(TState state, Action<Utf8JsonWriter, TState> write, JsonWriterOptions options = default)
    {
        var buffer = Fill(state, write, options);
        try
        {
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            Return(buffer);
        }
    }

    private static ArrayBufferWriter<byte> Fill<TState>(TState state, Action<Utf8JsonWriter, TState> write, JsonWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(write);
        // Taken off the thread while in use, so a write that nests another gets a buffer of its own.
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(1024);
        t_buffer = null;
        try
        {
            using var w = new Utf8JsonWriter(buffer, options);
            write(w, state);
        }
        catch
        {
            Return(buffer);
            throw;
        }
        return buffer;
    }

    private static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity > MaxKeptBytes) return;
        buffer.ResetWrittenCount();
        t_buffer = buffer;
    }
}
