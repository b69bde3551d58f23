using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Incidents;
using Bridge.Storage;

namespace Bridge.Tests.Incidents;

/// <summary>How events fold into incidents, when the clock makes each card due, and how a made card is recorded.</summary>
public sealed class IncidentLogicTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private static readonly GroupConfig ByName = new(["context.username"], TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.Zero);

    private static BridgeEvent FailedLogin(string id, string name, string ip)
    {
        using var context = JsonDocument.Parse($$"""{"username":"{{name}}"}""");
        using var raw = JsonDocument.Parse("{}");
        return new BridgeEvent(id, "authentik", "login_failed", "warning", null, null, ip, null, null, context.RootElement.Clone(), null, null, raw.RootElement.Clone());
    }

    private static Folded Fold(IncidentState? open, int n, string name, string ip, DateTimeOffset at, GroupConfig? config = null) =>
        IncidentLogic.Fold(open, new IncidentJoin("r", config ?? ByName, FailedLogin($"e{n}", name, ip), n, $"k{n}", at));

    /// <summary>Makes the card due at <paramref name="at"/> and records it, as the worker and the store do.</summary>
    private static (DueCard Card, IncidentState? After) Make(IncidentState s, DateTimeOffset at, GroupConfig? config = null)
    {
        var card = IncidentLogic.Due(s, config ?? ByName, at, superseded: false)!;
        return (card, IncidentLogic.Made(s, s, card, MessageLane.Normal));
    }

    [Fact]
    public void TheFirstCardIsDueAtOnceAndLaterEventsWaitForTheInterval()
    {
        var first = Fold(null, 1, "alice", "10.0.0.1", Start).State;
        Assert.Equal(Start, IncidentLogic.NextDue(first, ByName));
        var (open, afterOpen) = Make(first, Start);
        Assert.Equal(CardPhase.Open, open.View.Phase);

        var second = Fold(afterOpen, 2, "alice", "10.0.0.2", Start + TimeSpan.FromSeconds(5)).State;
        Assert.True(second.UpdatePending);
        Assert.Null(IncidentLogic.Due(second, ByName, Start + TimeSpan.FromSeconds(29), superseded: false));
        var third = Fold(second, 3, "alice", "10.0.0.3", Start + TimeSpan.FromSeconds(31)).State;
        Assert.Equal(Start + TimeSpan.FromSeconds(30), IncidentLogic.NextDue(third, ByName));
        var (update, _) = Make(third, Start + TimeSpan.FromSeconds(31));

        Assert.Equal(CardPhase.Update, update.View.Phase);
        Assert.Equal((3L, 2), (update.View.State.Count, update.View.State.Cards));
        Assert.Equal(first.Id, update.View.State.Id);
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], update.View.State.Values.Single(v => v.Field == "client_ip").Seen);
        Assert.Equal(["alice"], update.View.State.Key);
        Assert.Equal(3, update.View.State.LastEventSeq);
    }

    [Fact]
    public void AnUpdateIsOwedOnlyForEventsSinceTheLastCardAndTheGroupClosesAfterItsQuietWindow()
    {
        var (_, opened) = Make(Fold(null, 1, "alice", "10.0.0.1", Start).State, Start);
        var (update, updated) = Make(Fold(opened, 2, "alice", "10.0.0.1", Start + TimeSpan.FromSeconds(10)).State, Start + TimeSpan.FromSeconds(30));
        Assert.Equal(CardPhase.Update, update.View.Phase);
        Assert.False(updated!.UpdatePending);

        var quietUntil = Start + TimeSpan.FromSeconds(10) + TimeSpan.FromMinutes(5);
        Assert.Equal(quietUntil, IncidentLogic.NextDue(updated, ByName));
        var (close, closed) = Make(updated, quietUntil);
        Assert.Equal((CardPhase.Close, 3), (close.View.Phase, close.View.State.Cards));
        Assert.Null(closed);
    }

    [Fact]
    public void EventsThatJoinWhileACardIsMadeStayOwedAnUpdate()
    {
        var first = Fold(null, 1, "alice", "10.0.0.1", Start).State;
        var card = IncidentLogic.Due(first, ByName, Start, superseded: false)!;
        var meanwhile = Fold(first, 2, "alice", "10.0.0.2", Start).State;

        var after = IncidentLogic.Made(meanwhile, first, card, MessageLane.High)!;

        Assert.Equal((2L, 1, true, MessageLane.High), (after.Count, after.Cards, after.UpdatePending, after.Lane));
        Assert.Equal(Start + TimeSpan.FromSeconds(30), IncidentLogic.NextDue(after, ByName));
    }

    [Fact]
    public void AnEventAfterTheWindowOpensANewIncidentAndAGroupOfOneClosesSilently()
    {
        var (_, alice) = Make(Fold(null, 1, "alice", "10.0.0.1", Start).State, Start);
        var bob = Fold(null, 2, "bob", "10.0.0.1", Start).State;
        var later = Fold(alice, 3, "alice", "10.0.0.1", Start + TimeSpan.FromMinutes(6));

        Assert.NotEqual(alice!.Id, bob.Id);
        Assert.True(later.Superseded);
        Assert.NotEqual(alice.Id, later.State.Id);
        Assert.Equal(1, later.State.Count);
        // Alice's first incident had one event: its first card said everything, so it closes without another.
        var close = IncidentLogic.Due(alice, ByName, Start + TimeSpan.FromMinutes(6), superseded: true)!;
        Assert.True(close.Silent);
        Assert.Null(IncidentLogic.Made(alice, alice, close, MessageLane.Normal));
    }

    [Fact]
    public void AWaitHoldsTheFirstCardSoItStartsWithTheEventsOfThatTime()
    {
        var waiting = ByName with { Wait = TimeSpan.FromSeconds(10) };
        var first = Fold(null, 1, "alice", "10.0.0.1", Start, waiting).State;
        var second = Fold(first, 2, "alice", "10.0.0.2", Start + TimeSpan.FromSeconds(3), waiting).State;

        Assert.Null(IncidentLogic.Due(second, waiting, Start + TimeSpan.FromSeconds(9), superseded: false));
        Assert.Equal(Start + TimeSpan.FromSeconds(10), IncidentLogic.NextDue(second, waiting));
        var (open, _) = Make(second, Start + TimeSpan.FromSeconds(10), waiting);
        Assert.Equal((CardPhase.Open, 2L, 1), (open.View.Phase, open.View.State.Count, open.View.State.Cards));
    }

    [Fact]
    public void TheSameEventsGiveTheSameIncidentIdSoARedeliveryReplacesTheCard()
    {
        var one = Fold(null, 1, "alice", "10.0.0.1", Start).State;
        var again = Fold(null, 1, "alice", "10.0.0.1", Start + TimeSpan.FromSeconds(1)).State;

        Assert.Equal(one.Id, again.Id);
        Assert.Matches("^bi[0-9a-f]{30}$", one.Id);
    }
}
