using System.Text.Json;
using Bridge.Configuration;
using Bridge.Events;
using Bridge.Incidents;

namespace Bridge.Tests.Incidents;

/// <summary>How events fold into incidents and when the clock makes each card due.</summary>
public sealed class IncidentBookTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private static readonly GroupConfig ByName = new(["context.username"], TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), TimeSpan.Zero);

    private static BridgeEvent FailedLogin(string id, string name, string ip)
    {
        using var context = JsonDocument.Parse($$"""{"username":"{{name}}"}""");
        using var raw = JsonDocument.Parse("{}");
        return new BridgeEvent(id, "authentik", "login_failed", "warning", null, null, ip, null, null, context.RootElement.Clone(), null, null, raw.RootElement.Clone());
    }

    [Fact]
    public void TheFirstEventSendsACardAtOnceAndLaterOnesWaitForTheInterval()
    {
        var book = new IncidentBook();

        var first = book.Fold("r", ByName, FailedLogin("e1", "alice", "10.0.0.1"), 1, "k1", Start);
        var second = book.Fold("r", ByName, FailedLogin("e2", "alice", "10.0.0.2"), 2, "k2", Start + TimeSpan.FromSeconds(5));
        var late = book.Fold("r", ByName, FailedLogin("e3", "alice", "10.0.0.3"), 3, "k3", Start + TimeSpan.FromSeconds(31));

        Assert.Equal(CardPhase.Open, first.Send);
        Assert.Null(second.Send);
        Assert.True(second.View.State.UpdatePending);
        Assert.Equal(CardPhase.Update, late.Send);
        Assert.Equal(3, late.View.State.Count);
        Assert.Equal(2, late.View.State.Cards);
        Assert.Equal(first.View.State.Id, late.View.State.Id);
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], late.View.State.Values.Single(v => v.Field == "client_ip").Seen);
        Assert.Equal(["alice"], late.View.State.Key);
    }

    [Fact]
    public void AHeldUpdateFallsDueAfterTheIntervalAndTheGroupClosesAfterItsQuietWindow()
    {
        var book = new IncidentBook();
        book.Fold("r", ByName, FailedLogin("e1", "alice", "10.0.0.1"), 1, "k1", Start);
        book.Fold("r", ByName, FailedLogin("e2", "alice", "10.0.0.1"), 2, "k2", Start + TimeSpan.FromSeconds(10));

        Assert.Equal(Start + TimeSpan.FromSeconds(30), book.NextDue());
        Assert.Empty(book.TakeDue(Start + TimeSpan.FromSeconds(29)));
        var update = Assert.Single(book.TakeDue(Start + TimeSpan.FromSeconds(30)));
        Assert.Equal(CardPhase.Update, update.View.Phase);
        Assert.Equal(2, update.View.State.Count);
        Assert.Equal("e2", update.LastEvent.Id);

        Assert.Equal(Start + TimeSpan.FromSeconds(10) + TimeSpan.FromMinutes(5), book.NextDue());
        var close = Assert.Single(book.TakeDue(Start + TimeSpan.FromSeconds(10) + TimeSpan.FromMinutes(5)));
        Assert.Equal(CardPhase.Close, close.View.Phase);
        Assert.Equal(3, close.View.State.Cards);
        Assert.Equal(0, book.Count);
        Assert.Null(book.NextDue());
    }

    [Fact]
    public void GroupsAreKeptApartByTheirKeyAndAClosedGroupOpensANewIncident()
    {
        var book = new IncidentBook();
        var alice = book.Fold("r", ByName, FailedLogin("e1", "alice", "10.0.0.1"), 1, "k1", Start);
        var bob = book.Fold("r", ByName, FailedLogin("e2", "bob", "10.0.0.1"), 2, "k2", Start);
        var later = book.Fold("r", ByName, FailedLogin("e3", "alice", "10.0.0.1"), 3, "k3", Start + TimeSpan.FromMinutes(6));

        Assert.Equal(CardPhase.Open, bob.Send);
        Assert.NotEqual(alice.View.State.Id, bob.View.State.Id);
        Assert.Equal(CardPhase.Open, later.Send);
        Assert.NotEqual(alice.View.State.Id, later.View.State.Id);
        // Alice's first incident and Bob's had one event each: their first card said everything, so they close without another.
        var closed = book.TakeDue(Start + TimeSpan.FromMinutes(6));
        Assert.Equal(2, closed.Count);
        Assert.All(closed, c => Assert.True(c.Silent));
        Assert.Equal(1, book.Count);
    }

    [Fact]
    public void AWaitHoldsTheFirstCardSoItStartsWithTheEventsOfThatTime()
    {
        var book = new IncidentBook();
        var waiting = ByName with { Wait = TimeSpan.FromSeconds(10) };
        var first = book.Fold("r", waiting, FailedLogin("e1", "alice", "10.0.0.1"), 1, "k1", Start);
        book.Fold("r", waiting, FailedLogin("e2", "alice", "10.0.0.2"), 2, "k2", Start + TimeSpan.FromSeconds(3));

        Assert.Null(first.Send);
        Assert.Equal(Start + TimeSpan.FromSeconds(10), book.NextDue());
        var open = Assert.Single(book.TakeDue(Start + TimeSpan.FromSeconds(10)));
        Assert.Equal(CardPhase.Open, open.View.Phase);
        Assert.Equal(2, open.View.State.Count);
        Assert.Equal(1, open.View.State.Cards);
    }

    [Fact]
    public void TheSameEventsGiveTheSameIncidentIdSoARedeliveryReplacesTheCard()
    {
        var one = new IncidentBook().Fold("r", ByName, FailedLogin("e1", "alice", "10.0.0.1"), 1, "k1", Start);
        var again = new IncidentBook().Fold("r", ByName, FailedLogin("e1", "alice", "10.0.0.1"), 1, "k1", Start + TimeSpan.FromSeconds(1));

        Assert.Equal(one.View.State.Id, again.View.State.Id);
        Assert.Matches("^bi[0-9a-f]{30}$", one.View.State.Id);
    }
}
