namespace Bridge.Tests.Events;

public sealed class FixtureTests
{
    public static TheoryData<string> Fixtures() => new(Normalize.FixtureNames());

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EveryFixtureNormalisesWithAnActionOrSummary(string fixture)
    {
        var e = Normalize.Fixture(fixture);

        Assert.Equal("authentik", e.Source);
        Assert.False(string.IsNullOrEmpty(e.Id));
        Assert.NotNull(e.Summary);
        Assert.False(e.Summary.Contains("{'", StringComparison.Ordinal), $"summary leaks the Python repr: {e.Summary}");
        // Only the full-event and bare-event bodies carry Authentik's event id.
        Assert.Equal(fixture.StartsWith("default-body-", StringComparison.Ordinal) || fixture.StartsWith("slack-", StringComparison.Ordinal), e.IdIsGenerated);
    }

    [Fact]
    public void TheFixtureFolderIsCopiedToTheTestOutput()
    {
        Assert.Contains("event-login-admin.json", Normalize.FixtureNames());
    }
}
