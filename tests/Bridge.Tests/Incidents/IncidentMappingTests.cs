using Bridge.Configuration;
using Bridge.Incidents;
using Bridge.Mappings;
using Bridge.Tests.Mappings;
using Bridge.Tests.Support;

namespace Bridge.Tests.Incidents;

/// <summary>What the shipped mappings make of <c>ctx.group</c>: the storm's count first, and a quiet closing card.</summary>
public sealed class IncidentMappingTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private static readonly GroupConfig ByName = new(["context.username"], TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.Zero);

    private readonly MappingTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    /// <summary>An incident of <paramref name="count"/> failed logins for alice.admin from three addresses over three minutes.</summary>
    private static GroupView Storm(int count, CardPhase phase)
    {
        var e = MappingTestKit.Fixture("event-login-failed.json");
        IncidentState? state = null;
        for (var i = 0; i < count; i++)
        {
            var at = Start + TimeSpan.FromSeconds(180.0 * i / (count - 1));
            state = IncidentLogic.Fold(state, new IncidentJoin("failed-login", ByName, e with { ClientIp = $"10.0.0.{i % 3}" }, i + 1, $"k{i}", at)).State;
            // The cards the worker makes as the storm goes on: the first at once, then one each interval.
            if (IncidentLogic.Due(state, ByName, at, superseded: false) is { } card) state = IncidentLogic.Made(state, state, card, Bridge.Storage.MessageLane.Normal)!;
        }
        return new GroupView(phase, state!, ByName);
    }

    [Fact]
    public void TheFailedLoginMappingCountsTheStormFirst()
    {
        var ctx = MappingTestKit.Ctx with { Group = Storm(47, CardPhase.Update), Now = Start + TimeSpan.FromMinutes(3) };

        var message = Assert.Single(_kit.Run(File.ReadAllText(Path.Combine(TestPaths.Mappings, "failed-login.js")), MappingTestKit.Fixture("event-login-failed.json"), ctx: ctx).Messages);

        Assert.Equal("alice.admin: 47 failed logins", message.Title);
        Assert.StartsWith("47 failed logins in 3 min from 3 addresses.\nLatest:\nSomeone tried to sign in as alice.admin.", message.Message, StringComparison.Ordinal);
        Assert.Equal(4, message.Priority);
    }

    [Fact]
    public void TheClosingCardIsQuietAndSaysItIsOver()
    {
        var ctx = MappingTestKit.Ctx with { Group = Storm(500, CardPhase.Close), Now = Start + TimeSpan.FromMinutes(8) };

        var message = Assert.Single(_kit.Run(File.ReadAllText(Path.Combine(TestPaths.Mappings, "failed-login.js")), MappingTestKit.Fixture("event-login-failed.json"), ctx: ctx).Messages);

        Assert.Equal("Over: alice.admin: 500 failed logins", message.Title);
        Assert.StartsWith("500 failed logins in 3 min from 3 addresses; it stopped 5 minutes ago.", message.Message, StringComparison.Ordinal);
        Assert.Equal(2, message.Priority);
    }

    [Fact]
    public void AGroupOfOneEventIsAnOrdinaryNotification()
    {
        var e = MappingTestKit.Fixture("event-login-failed.json");
        var ctx = MappingTestKit.Ctx with { Group = IncidentLogic.OneEvent("failed-login", ByName, e, "k", Start) };

        var grouped = Assert.Single(_kit.Run(File.ReadAllText(Path.Combine(TestPaths.Mappings, "failed-login.js")), e, ctx: ctx).Messages);
        var plain = Assert.Single(_kit.Run(File.ReadAllText(Path.Combine(TestPaths.Mappings, "failed-login.js")), e).Messages);

        Assert.Equal((plain.Title, plain.Message, plain.Priority), (grouped.Title, grouped.Message, grouped.Priority));
        Assert.Equal("Failed login: alice.admin", grouped.Title);
    }

    [Fact]
    public void TheMappingSeesTheIncident()
    {
        // Seven events 30 s apart: each is an interval after the last card, so each made an update.
        var ctx = MappingTestKit.Ctx with { Group = Storm(7, CardPhase.Update) };

        var message = Assert.Single(_kit.Run("""
            function map(event, ctx) {
              const g = ctx.group;
              return { message: [g.phase, g.card, g.count, g.first, g.last, g.key['context.username'], g.values.client_ip.join(' '),
                g.samples.length, g.samples[0].id, g.window_seconds, g.interval_seconds, g.id === ctx.group.id].join('|') };
            }
            """, ctx: ctx).Messages);

        Assert.Equal("update|7|7|2026-03-14T09:00:00.000Z|2026-03-14T09:03:00.000Z|alice.admin|10.0.0.0 10.0.0.1 10.0.0.2|5|8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5|300|30|true", message.Message);
    }
}
