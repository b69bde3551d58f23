namespace Bridge.Delivery;

/// <summary>A message on its way to its destination: the exact JSON the store keeps, sent as is, and what logs name it by.</summary>
/// <param name="Body">The ntfy JSON as the message maker wrote it: within ntfy's limits, <c>sequence_id</c> included.</param>
public sealed record OutboundMessage(long Id, string EventId, string Rule, string Destination, byte[] Body);
