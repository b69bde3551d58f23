using Bridge.Configuration;
using Bridge.Rules;

namespace Bridge.Events;

/// <summary>How much of a payload is read: its size and how deep its JSON may nest.</summary>
public sealed record PayloadLimits(int MaxBytes, int MaxDepth)
{
    /// <summary>The limits a hook request is read under (<c>server.limits</c>).</summary>
    public static PayloadLimits Of(IngestLimitsConfig limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return new(limits.MaxBodyBytes, limits.MaxDepth);
    }

    /// <summary>A stored body was accepted under whatever limits were configured then: it is read back under the widest any config allows.</summary>
    public static readonly PayloadLimits Stored = new(int.MaxValue, IngestLimitsConfig.MaxAllowedDepth);
}

/// <summary>A payload read: the event and every rule's verdict on it, or what the hook endpoint answers instead.</summary>
/// <param name="Verdicts">One per rule, in the config's order; empty when the payload is no event.</param>
/// <param name="Problem">Why the payload is no event (400, 413 or 422, with the reason); null when <paramref name="Event"/> is set.</param>
public sealed record EventReading(BridgeEvent? Event, IReadOnlyList<RuleVerdict> Verdicts, BodyProblem? Problem);

/// <summary>
/// The one way from a payload's bytes to an event and the rules' verdicts: the hook endpoint, recovery after a restart,
/// <c>bridge try</c> and <c>bridge test</c> all read payloads here, so each judges a payload exactly as the others do.
/// (The hook endpoint reads the event only and judges it after adding any groups looked up in Authentik's API, which
/// the offline commands never ask.)
/// </summary>
public static class EventReader
{
    /// <summary>Reads a payload and evaluates every rule of <paramref name="runtime"/> on it. Never throws for bad input.</summary>
    /// <param name="receivedAt">When the payload arrived: the time in an id the bridge makes for a body without one.</param>
    public static EventReading Read(ReadOnlyMemory<byte> body, SourceConfig source, BridgeRuntime runtime, DateTimeOffset receivedAt, PayloadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var reading = ReadEvent(body, source, receivedAt, limits);
        return reading.Event is { } e ? reading with { Verdicts = runtime.Rules.Evaluate(e) } : reading;
    }

    /// <summary>Reads a payload as an event only, with no verdicts: for recovery (the rules to run are stored with the event) and mapping-only tests.</summary>
    public static EventReading ReadEvent(ReadOnlyMemory<byte> body, SourceConfig source, DateTimeOffset receivedAt, PayloadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(limits);
        // The endpoint stops reading at the limit already; this is for payloads that come from a file.
        if (body.Length > limits.MaxBytes) return Refused(new BodyProblem(413, "Body too large", $"the body is larger than {limits.MaxBytes} bytes"));
        var (document, problem) = PayloadJson.Parse(body, limits.MaxDepth);
        if (problem is not null) return Refused(problem);
        using (document)
        {
            var normalized = EventNormalizer.Normalize(source, document!.RootElement, receivedAt);
            return normalized.Error is { } shape
                ? Refused(new BodyProblem(422, "Unrecognised event shape", shape.Message))
                : new EventReading(normalized.Event, [], null);
        }
    }

    private static EventReading Refused(BodyProblem problem) => new(null, [], problem);
}
