using static Bridge.Storage.SqliteSql;

namespace Bridge.Storage;

/// <summary>Mute tokens on SQLite: the <c>signing_keys</c> and <c>mute_tokens</c> tables (migration 9).</summary>
internal sealed class SqliteMuteTokens(SqliteStore store) : IMuteTokens
{
    /// <summary>The key's name in <c>signing_keys</c>.</summary>
    private const string KeyName = "mute";

    public Task<byte[]> GetSigningKeyAsync(byte[] candidate, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return store.WriteAsync((c, tx) =>
        {
            using (var insert = Command(c, tx, "INSERT INTO signing_keys (name, key, created_at) VALUES ($name, $key, $at) ON CONFLICT (name) DO NOTHING"))
            {
                insert.Parameters.AddWithValue("$name", KeyName);
                insert.Parameters.AddWithValue("$key", candidate);
                insert.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
                insert.ExecuteNonQuery();
            }
            using var read = Command(c, tx, "SELECT key FROM signing_keys WHERE name = $name");
            read.Parameters.AddWithValue("$name", KeyName);
            return (byte[])read.ExecuteScalar()!;
        });
    }

    public Task<string?> UseAsync(string nonce, DateTimeOffset tokenExpires, Silences.Silence silence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(silence);
        return store.WriteAsync<string?>((c, tx) =>
        {
            using (var forget = Command(c, tx, "DELETE FROM mute_tokens WHERE expires_at <= $now"))
            {
                forget.Parameters.AddWithValue("$now", silence.CreatedAt.ToUnixTimeMilliseconds());
                forget.ExecuteNonQuery();
            }
            using (var used = Command(c, tx, "SELECT silence_id FROM mute_tokens WHERE nonce = $nonce"))
            {
                used.Parameters.AddWithValue("$nonce", nonce);
                if (used.ExecuteScalar() is string earlier) return earlier;
            }
            using (var record = Command(c, tx, "INSERT INTO mute_tokens (nonce, silence_id, used_at, expires_at) VALUES ($nonce, $silence, $at, $expires)"))
            {
                record.Parameters.AddWithValue("$nonce", nonce);
                record.Parameters.AddWithValue("$silence", silence.Id);
                record.Parameters.AddWithValue("$at", silence.CreatedAt.ToUnixTimeMilliseconds());
                record.Parameters.AddWithValue("$expires", tokenExpires.ToUnixTimeMilliseconds());
                record.ExecuteNonQuery();
            }
            SqliteIncidents.AddSilence(c, tx, silence);
            return null;
        });
    }
}
