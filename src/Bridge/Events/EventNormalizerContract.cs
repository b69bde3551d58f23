using System.Text.Json;
using Bridge.Configuration;

namespace Bridge.Events;

/// <summary>Turns a received JSON object into a <see cref="BridgeEvent"/>, according to the source's format.</summary>
public static class EventNormalizer
{
    /// <summary>
    /// Never throws for bad input: a body the source's format cannot read yields an <see cref="EventShapeError"/>.
    /// </summary>
    /// <param name="body">The parsed body; the caller has already checked it is a JSON object.</param>
    /// <param name="receivedAt">When the body arrived; an id the bridge makes for a body without one is ordered by it.</param>
    public static EventNormalization Normalize(SourceConfig source, JsonElement body, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(source);

        // One clone up front: every element read below (context included) then lives in the detached copy,
        // so the event outlives the caller's JsonDocument without cloning each part again.
        var raw = body.Clone();
        return source.Format switch
        {
            SourceFormat.Json => new EventNormalization(JsonBodyReader.Read(source, raw, receivedAt), null),
            _ => AuthentikBodyReader.Read(source.Name, raw, receivedAt),
        };
    }
}

/// <summary>Either an event or the reason the body could not be read as one.</summary>
public sealed record EventNormalization(BridgeEvent? Event, EventShapeError? Error);

/// <summary>A JSON object that is not a shape the source knows, with what was expected.</summary>
public sealed record EventShapeError(string Message);
