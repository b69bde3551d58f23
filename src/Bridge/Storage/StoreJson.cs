using System.Text.Json.Serialization;

namespace Bridge.Storage;

/// <summary>Source-generated JSON for the small lists the store keeps in a column.</summary>
[JsonSerializable(typeof(List<string>), TypeInfoPropertyName = "ListString")]
[JsonSerializable(typeof(IReadOnlyList<MappingRunLog>), TypeInfoPropertyName = "MappingRunLogs")]
[JsonSerializable(typeof(Incidents.IncidentState))]
[JsonSerializable(typeof(Silences.SilenceMatch))]
[JsonSerializable(typeof(Throttles.ThrottleState))]
internal sealed partial class StoreJson : JsonSerializerContext;
