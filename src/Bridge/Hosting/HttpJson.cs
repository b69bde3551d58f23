using System.Text.Json.Serialization;
using Bridge.Admin;
using Bridge.Dashboard;
using Bridge.Ingest;
using Bridge.Observability;

namespace Bridge.Hosting;

/// <summary>
/// Serialization code for every body the HTTP endpoints answer with, generated at build time. A Native AOT build has
/// no reflection-based serializer, and without this its first 202 would be a 500; under the JIT it only saves the
/// reflection. Registered first in the HTTP JSON options, so types it does not list still fall back to reflection there.
/// </summary>
[JsonSerializable(typeof(HookAccepted))]
[JsonSerializable(typeof(ListPage<EventView>))]
[JsonSerializable(typeof(ListPage<MessageView>))]
[JsonSerializable(typeof(EventDetail))]
[JsonSerializable(typeof(MessageView))]
[JsonSerializable(typeof(ReplayAnswer))]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(ReadyView))]
[JsonSerializable(typeof(List<EventRow>))]
[JsonSerializable(typeof(PlaygroundRequest))]
[JsonSerializable(typeof(PlaygroundOptions))]
[JsonSerializable(typeof(PlaygroundResult))]
[JsonSerializable(typeof(PlaygroundSent))]
[JsonSerializable(typeof(Silences.SilenceView))]
[JsonSerializable(typeof(Silences.SilenceList))]
internal sealed partial class HttpJson : JsonSerializerContext;
