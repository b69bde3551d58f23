using Microsoft.Data.Sqlite;

namespace Bridge.Storage;

/// <summary>
/// The schema, as numbered steps. Version N+1 is applied to a file at version N in one transaction with the
/// <c>schema_version</c> row that records it, so a crash mid-migration leaves the file at N. Never edit a released step:
/// add the next one.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>Step i brings the schema from version i to i+1.</summary>
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: events, de-duplication keys, messages, attempts. Times are Unix milliseconds (UTC).
        """
        CREATE TABLE events (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id     TEXT    NOT NULL,
            source       TEXT    NOT NULL,
            action       TEXT,
            status       INTEGER NOT NULL,
            received_at  INTEGER NOT NULL,
            dedupe_key   TEXT    NOT NULL,
            matched      TEXT    NOT NULL,
            rules_to_run TEXT    NOT NULL,
            verdicts     TEXT    NOT NULL,
            body         BLOB    NOT NULL,
            event_json   BLOB    NOT NULL,
            duplicates   INTEGER NOT NULL DEFAULT 0,
            processed_at INTEGER
        );
        CREATE INDEX events_received ON events (seq) WHERE status = 0;
        CREATE INDEX events_event_id ON events (event_id, seq);
        CREATE TABLE dedupe (
            key        TEXT    NOT NULL,
            rule       TEXT    NOT NULL,
            event_seq  INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (key, rule)
        ) WITHOUT ROWID;
        CREATE TABLE messages (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            event_seq       INTEGER NOT NULL REFERENCES events (seq),
            rule            TEXT    NOT NULL,
            idx             INTEGER NOT NULL,
            destination     TEXT    NOT NULL,
            topic           TEXT,
            body            BLOB,
            status          INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            created_at      INTEGER NOT NULL,
            updated_at      INTEGER NOT NULL,
            last_error      TEXT,
            dead_reason     TEXT,
            claimed_until   INTEGER
        );
        CREATE INDEX messages_due ON messages (destination, next_attempt_at, id) WHERE status = 0;
        CREATE INDEX messages_pending_order ON messages (destination, id) WHERE status = 0;
        CREATE INDEX messages_status ON messages (status, id);
        CREATE INDEX messages_event ON messages (event_seq);
        CREATE TABLE attempts (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            at          INTEGER NOT NULL,
            outcome     TEXT    NOT NULL,
            http_status INTEGER,
            ntfy_code   INTEGER,
            detail      TEXT    NOT NULL,
            duration_ms INTEGER NOT NULL
        );
        CREATE INDEX attempts_message ON attempts (message_id, id);
        """,
        // 2: what each rule's mapping printed (console) and the errors it had, as JSON; null when it said nothing.
        "ALTER TABLE events ADD COLUMN mapping_log TEXT;",
        // 3: the processor commits each rule's messages on their own (a slow mapping holds back only its rule), so an
        // event records the rules still to run (JSON; null: all of rules_to_run). Messages keep their ntfy sequence_id,
        // so one never overtakes an older one it updates. Claims are leases in memory now (one process owns the file).
        // An event no rule matched is processed as it is committed, as new ones are.
        """
        ALTER TABLE events ADD COLUMN rules_left TEXT;
        ALTER TABLE messages ADD COLUMN sequence_id TEXT;
        UPDATE messages SET sequence_id = json_extract(CAST(body AS TEXT), '$.sequence_id')
            WHERE body IS NOT NULL AND json_valid(CAST(body AS TEXT));
        ALTER TABLE messages DROP COLUMN claimed_until;
        UPDATE events SET status = 1, processed_at = received_at WHERE status = 0 AND rules_to_run = '[]';
        CREATE INDEX messages_sequence ON messages (destination, sequence_id, id) WHERE status = 0;
        CREATE INDEX messages_topic_order ON messages (destination, topic, id) WHERE status = 0;
        """,
        // 4: an event whose user's groups are being looked up in Authentik's API waits with status 2, its rules not yet
        // judged: why it waits, when it is tried next and how often it was tried survive a restart (SqliteGroupWaits).
        """
        ALTER TABLE events ADD COLUMN groups_wait TEXT;
        ALTER TABLE events ADD COLUMN groups_retry_at INTEGER;
        ALTER TABLE events ADD COLUMN groups_attempts INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX events_waiting ON events (groups_retry_at, seq) WHERE status = 2;
        """,
        // 5: an event's raw body, normalised JSON and verdicts (about 4 KB, more than a page) move to a table of their own,
        // written once at accept (and once more when a group wait is judged). The events row keeps what changes (status,
        // rules left, the processed time) and fits in a page, so processing it rewrites a few hundred bytes, not a 4 KB
        // overflow chain. events_full reads both as one. AUTOINCREMENT stays on events and messages: seq is the processor's
        // cursor and message ids are named in the admin API and replays; without it, a purge of the newest row would hand its
        // number out again. Attempt ids are named nowhere (they only order a message's attempts, and a new one is still the
        // largest), so attempts loses it: a commit that only settles attempts no longer writes sqlite_sequence's page.
        """
        CREATE TABLE event_data (
            seq        INTEGER PRIMARY KEY REFERENCES events (seq) ON DELETE CASCADE,
            body       BLOB    NOT NULL,
            event_json BLOB    NOT NULL,
            verdicts   TEXT    NOT NULL
        );
        INSERT INTO event_data (seq, body, event_json, verdicts) SELECT seq, body, event_json, verdicts FROM events;
        ALTER TABLE events DROP COLUMN body;
        ALTER TABLE events DROP COLUMN event_json;
        ALTER TABLE events DROP COLUMN verdicts;
        CREATE TABLE attempts_new (
            id          INTEGER PRIMARY KEY,
            message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            at          INTEGER NOT NULL,
            outcome     TEXT    NOT NULL,
            http_status INTEGER,
            ntfy_code   INTEGER,
            detail      TEXT    NOT NULL,
            duration_ms INTEGER NOT NULL
        );
        INSERT INTO attempts_new SELECT id, message_id, at, outcome, http_status, ntfy_code, detail, duration_ms FROM attempts;
        DROP TABLE attempts;
        ALTER TABLE attempts_new RENAME TO attempts;
        CREATE INDEX attempts_message ON attempts (message_id, id);
        DELETE FROM sqlite_sequence WHERE name = 'attempts';
        CREATE VIEW events_full AS SELECT e.*, d.body, d.event_json, d.verdicts FROM events e JOIN event_data d ON d.seq = e.seq;
        """,
        // 6: fewer pages written per event: each index a row is in is one more page that every commit touching the row
        // appends to the WAL whole (and the checkpoint writes again). messages_status (status, id) moved every message
        // from the pending to the delivered part of the index as it was settled, two leaves per settling commit, for
        // queries that need it only for dead messages (the dead-letter list, replays): those keep messages_dead, which
        // holds only them; pending ones are found through the partial indexes on status = 0, delivered ones are nearly
        // every row (a scan in id order finds them at once; the hourly purge scans the table either way). Attempts are
        // clustered by message (WITHOUT ROWID, keyed by message and a number counting that message's attempts), so a
        // settled attempt writes one b-tree instead of the table and attempts_message; ids keep their order.
        """
        DROP INDEX messages_status;
        CREATE INDEX messages_dead ON messages (id) WHERE status = 2;
        CREATE TABLE attempts_new (
            message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            id          INTEGER NOT NULL,
            at          INTEGER NOT NULL,
            outcome     TEXT    NOT NULL,
            http_status INTEGER,
            ntfy_code   INTEGER,
            detail      TEXT    NOT NULL,
            duration_ms INTEGER NOT NULL,
            PRIMARY KEY (message_id, id)
        ) WITHOUT ROWID;
        INSERT INTO attempts_new SELECT message_id, id, at, outcome, http_status, ntfy_code, detail, duration_ms FROM attempts;
        DROP TABLE attempts;
        ALTER TABLE attempts_new RENAME TO attempts;
        """,
        // 7: priority lanes. A message waits in lane 2 (ntfy priority 5, or made by a rule marked urgent), 1 (priority 4) or 0
        // (the rest), and is claimed before its destination's messages of lower lanes, so an urgent one never queues behind
        // a flood of lesser ones. The partial index holds only pending messages of lanes 1 and 2 (usually none), highest
        // lane first, so a claim's look at them walks it in claim order and costs one probe when it is empty, and a
        // lane-0 message's insert and settlement write no page of it. Pending messages at priority 4-5 move to their lane
        // (a rule's urgent flag is configuration, which a migration cannot see).
        """
        ALTER TABLE messages ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
        UPDATE messages SET lane = json_extract(CAST(body AS TEXT), '$.priority') - 3
            WHERE status = 0 AND body IS NOT NULL AND json_valid(CAST(body AS TEXT)) AND json_extract(CAST(body AS TEXT), '$.priority') IN (4, 5);
        CREATE INDEX messages_lane_order ON messages (destination, lane DESC, id) WHERE status = 0 AND lane > 0;
        """,
        // 8: incidents and silences. An open incident of a grouped rule is its state as JSON (Incidents.IncidentState),
        // written with the commit of the event that changed it and replaced only by a newer version (runs commit out of
        // order), deleted with its closing card; a restart resumes it. A silence holds the events its match keys match
        // until ends_at (ended_at: ended early by hand).
        """
        CREATE TABLE incidents (
            id             TEXT    PRIMARY KEY,
            rule           TEXT    NOT NULL,
            version        INTEGER NOT NULL,
            last_event_seq INTEGER NOT NULL,
            state          TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE silences (
            id         TEXT    PRIMARY KEY,
            match      TEXT    NOT NULL,
            comment    TEXT    NOT NULL,
            created_by TEXT    NOT NULL,
            created_at INTEGER NOT NULL,
            ends_at    INTEGER NOT NULL,
            ended_at   INTEGER
        ) WITHOUT ROWID;
        """,
        // 9: mute buttons. The key their tokens are signed with, made on the first start (signing_keys: one row per use, so
        // a later key of another kind needs no migration), and each token used, with the silence it made, so a token
        // sent twice makes one silence. A used token's row is kept until the token expires (it is refused after anyway).
        """
        CREATE TABLE signing_keys (
            name       TEXT    PRIMARY KEY,
            key        BLOB    NOT NULL,
            created_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE mute_tokens (
            nonce      TEXT    PRIMARY KEY,
            silence_id TEXT    NOT NULL,
            used_at    INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 10 (throttle branch): throttles. One row per throttled rule, value of its by fields (a JSON array) and period
        // (aligned to the clock), counting the events it passed and held; last_held says whether the latest upsert held
        // its event. state keeps the held events' distinct values and samples for the digest (Throttles.ThrottleState),
        // last_event_seq the latest held event (the purge keeps it; the digest's messages go under it). A row goes when
        // its digest is committed, or when its period ends with nothing held.
        """
        CREATE TABLE throttles (
            rule           TEXT    NOT NULL,
            key            TEXT    NOT NULL,
            period_start   INTEGER NOT NULL,
            period_end     INTEGER NOT NULL,
            max            INTEGER NOT NULL,
            passed         INTEGER NOT NULL,
            held           INTEGER NOT NULL,
            last_held      INTEGER NOT NULL,
            last_event_seq INTEGER,
            state          TEXT,
            PRIMARY KEY (rule, key, period_start)
        ) WITHOUT ROWID;
        CREATE INDEX throttles_due ON throttles (period_end);
        """,
        // 11 (shared incidents; the lead orders the steps at merge): an event joins its incident in the commit of its rule,
        // found by slot (the rule and group key, while the incident is open: a unique key, so a group has one open incident),
        // and a card is made by whoever claims the incident once next_due has come (claimed_until, fenced by claim), as on
        // PostgreSQL. An incident open across the upgrade has no slot: it closes with its summary at once (next_due 0) and
        // the next event of its group opens a new one.
        """
        ALTER TABLE incidents ADD COLUMN slot TEXT;
        ALTER TABLE incidents ADD COLUMN next_due INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE incidents ADD COLUMN claimed_until INTEGER;
        ALTER TABLE incidents ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
        CREATE UNIQUE INDEX incidents_slot ON incidents (slot);
        CREATE INDEX incidents_due ON incidents (next_due);
        """,
        // SQLite migration 12 (shared-pace; the lead orders the numbers at merge): each destination's hold (until when, why,
        // whether it is ntfy's daily quota), so a restart during a hold keeps holding instead of meeting the 42908 again.
        // Written when a hold changes, at the state's version; a later version only replaces an earlier one.
        """
        CREATE TABLE destination_holds (
            destination TEXT    PRIMARY KEY,
            hold_until  INTEGER NOT NULL,
            reason      TEXT,
            quota       INTEGER NOT NULL,
            version     INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ];

    public static int Latest => Steps.Count;

    /// <returns>The version the file was at before.</returns>
    public static int Apply(SqliteConnection connection, TimeProvider time)
    {
        Execute(connection, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)");
        var current = Current(connection);
        if (current > Latest)
            throw new StoreUnavailableException($"the store is at schema version {current}, newer than this bridge knows ({Latest}); run the newer bridge or restore a backup");
        for (var v = current; v < Latest; v++)
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, tx, Steps[v]);
            using var record = connection.CreateCommand();
            record.Transaction = tx;
            record.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at)";
            record.Parameters.AddWithValue("$v", v + 1);
            record.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
            record.ExecuteNonQuery();
            tx.Commit();
        }
        return current;
    }

    public static int Current(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
