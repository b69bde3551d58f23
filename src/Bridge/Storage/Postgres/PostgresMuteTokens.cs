using NpgsqlTypes;
using static Bridge.Storage.Postgres.PostgresSql;

namespace Bridge.Storage.Postgres;

/// <summary>Mute tokens on PostgreSQL (schema 4), as on SQLite: the <c>signing_keys</c> and <c>mute_tokens</c> tables.</summary>
internal sealed class PostgresMuteTokens(PostgresStore store) : IMuteTokens
{
    /// <summary>The key's name in <c>signing_keys</c>.</summary>
    private const string KeyName = "mute";

    public Task<byte[]> GetSigningKeyAsync(byte[] candidate, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return store.WriteAsync(async (c, tx) =>
        {
            // Instances sharing the database agree on the first key stored: each start inserts only when there is none.
            await using (var insert = Command(c, tx, "INSERT INTO signing_keys (name, key, created_at) VALUES (@name, @key, @at) ON CONFLICT (name) DO NOTHING"))
            {
                insert.Parameters.Set("name", KeyName);
                insert.Parameters.Set("key", candidate);
                insert.Parameters.Set("at", NpgsqlDbType.TimestampTz, now);
                await insert.ExecuteNonQueryAsync(ct);
            }
            await using var read = Command(c, tx, "SELECT key FROM signing_keys WHERE name = @name");
            read.Parameters.Set("name", KeyName);
            return (byte[])(await read.ExecuteScalarAsync(ct))!;
        }, ct);
    }

    public Task<string?> UseAsync(string nonce, DateTimeOffset tokenExpires, Silences.Silence silence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(silence);
        return store.WriteAsync<string?>(async (c, tx) =>
        {
            await using (var forget = Command(c, tx, "DELETE FROM mute_tokens WHERE expires_at <= @now"))
            {
                forget.Parameters.Set("now", NpgsqlDbType.TimestampTz, silence.CreatedAt);
                await forget.ExecuteNonQueryAsync(ct);
            }
            // Taking the nonce first: of two presses at once on two instances, one inserts, the other finds it taken.
            await using (var record = Command(c, tx, """
                INSERT INTO mute_tokens (nonce, silence_id, used_at, expires_at) VALUES (@nonce, @silence, @at, @expires)
                ON CONFLICT (nonce) DO NOTHING
                """))
            {
                record.Parameters.Set("nonce", nonce);
                record.Parameters.Set("silence", silence.Id);
                record.Parameters.Set("at", NpgsqlDbType.TimestampTz, silence.CreatedAt);
                record.Parameters.Set("expires", NpgsqlDbType.TimestampTz, tokenExpires);
                if (await record.ExecuteNonQueryAsync(ct) == 1)
                {
                    await PostgresIncidents.AddSilenceAsync(c, tx, silence, ct);
                    return null;
                }
            }
            await using var used = Command(c, tx, "SELECT silence_id FROM mute_tokens WHERE nonce = @nonce");
            used.Parameters.Set("nonce", nonce);
            return (string?)await used.ExecuteScalarAsync(ct);
        }, ct);
    }
}
