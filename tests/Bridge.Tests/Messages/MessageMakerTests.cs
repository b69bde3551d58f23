using System.Text.Json;
using Bridge.Configuration;
using Bridge.Mappings;
using Bridge.Messages;
using Bridge.Storage;
using Bridge.Tests.Mappings;

namespace Bridge.Tests.Messages;

/// <summary>The last step before the store: the sequence_id goes in first, then the body is fitted to ntfy's limit.</summary>
public sealed class MessageMakerTests : IDisposable
{
    private const string Key = "id:authentik:3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e";

    private readonly MappingTestKit _kit = new();
    private readonly MessageMaker _maker = new(new MappingRunner(MappingLimitsConfig.Default), Bridge.Silences.MuteLinks.Preview);

    public void Dispose() => _kit.Dispose();

    private MadeMessages Make(string source)
    {
        var (catalog, rule) = _kit.Load(source);
        return _maker.Make(catalog.For(rule.Config)!, MappingTestKit.Login(), MappingTestKit.Ctx, Key);
    }

    [Fact]
    public void AMessageWhoseBodyIsCutToFitStaysWithin8191BytesWithItsSequenceId()
    {
        // Quotes double when escaped, so the text alone would make a body of about 11 KB: it has to be cut.
        var made = Make("function map(e, ctx) { return { title: 't'.repeat(3000), message: '\"'.repeat(4000) }; }");

        var message = Assert.Single(made.Messages);
        Assert.InRange(message.Body.Length, 8000, MessageNormalizer.MaxBodyBytes);
        using var body = JsonDocument.Parse(message.Body);
        Assert.Equal(DedupeKeys.SequenceId(Key, MappingTestKit.Ctx.Rule, 0), body.RootElement.GetProperty("sequence_id").GetString());
        Assert.EndsWith("…", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheBodyIsTheMessageAsSentByteForByte()
    {
        var made = Make("function map(e, ctx) { return [{ title: 'one 🔑' }, { title: 'two', sequence_id: 'mine' }]; }");

        Assert.Equal([0, 1], made.Messages.Select(m => m.Index));
        Assert.All(made.Messages, m => Assert.Equal(NtfyMessageJson.ToUtf8(m.Message), m.Body));
        // A mapping's own sequence_id is its to choose; the others get one per rule and place.
        Assert.Equal(DedupeKeys.SequenceId(Key, MappingTestKit.Ctx.Rule, 0), made.Messages[0].Message.SequenceId);
        Assert.Equal("mine", made.Messages[1].Message.SequenceId);
    }

    [Fact]
    public void TheIdAddedToTheNormalisedBodyGivesTheBytesWritingTheWholeMessageGives()
    {
        // Every field: the id is added to the body the normaliser wrote, which holds only while it is written last.
        var made = Make("""
            function map(e, ctx) {
              return { topic: 't', message: 'm "q" é 🔑', title: 'T', tags: ['a', 'b'], priority: 4,
                actions: [{ action: 'view', label: 'Open', url: 'https://x.example' }], click: 'https://x.example/c',
                attach: 'https://x.example/a', icon: 'https://x.example/i.png', markdown: true, filename: 'f.txt', delay: '10m',
                email: 'a@x.example', cache: 'no', firebase: 'no' };
            }
            """);

        var message = Assert.Single(made.Messages);
        Assert.Equal(NtfyMessageJson.ToUtf8(message.Message), message.Body);
        Assert.Equal(DedupeKeys.SequenceId(Key, MappingTestKit.Ctx.Rule, 0), message.Message.SequenceId);
    }

    [Fact]
    public void ErrorsAreNumberedAfterEveryMessageTheMappingReturned()
    {
        var made = Make("function map(e, ctx) { return [{ title: 'ok' }, { title: 'bad', priority: 9 }, { title: 'ok too' }]; }");

        Assert.Equal([0, 1], made.Messages.Select(m => m.Index));
        var error = Assert.Single(made.Errors);
        Assert.Contains("priority", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, made.ErrorIndex(0));
    }
}
