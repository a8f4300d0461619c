package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.awaitWaitingOnLock;
import static dev.baton.coordinator.db.MigratedDatabase.backendPid;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.inBackground;
import static dev.baton.coordinator.db.MigratedDatabase.queryLong;
import static dev.baton.coordinator.db.MigratedDatabase.race;
import static dev.baton.coordinator.db.MigratedDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.db.IdempotencyKeys.Stored;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guarded statements of {@link IdempotencyKeys} on a real database: a key is taken once per
 * (caller, key) while it lives and again only once it expired; an answer is stored only on a key
 * held and not answered yet; only expired keys are pruned; of two requests with one key, exactly
 * one takes it and the other waits for its answer.
 */
@Timeout(60) // a guard broken into a lock wait fails the test instead of hanging the build
class IdempotencyKeysTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    final IdempotencyKeys repo = new IdempotencyKeys();
    static final byte[] HASH = "hash-1".getBytes(StandardCharsets.UTF_8);

    private static String newKey() {
        return db.unique("key");
    }

    private static List<Map<String, String>> row(String caller, String key) throws SQLException {
        return rows(db.c, "select * from idempotency_keys where caller = ? and key = ?", caller, key);
    }

    /** Takes the key and stores an answer, committed. */
    private void answered(Connection on, String caller, String key, String body) throws SQLException {
        assertThat(repo.takeUnlessHeld(on, caller, key, "POST /jobs", HASH)).isTrue();
        repo.storeAnswer(on, caller, key, 201, "{\"Content-Type\": \"application/json\"}", body);
    }

    private static void age(String key, String interval) throws SQLException {
        exec(db.c, "update idempotency_keys set created_at = now() - ?::interval where key = ?", interval, key);
    }

    @Test
    void aKeyIsTakenOnceAndItsAnswerFoundWhileItLives() throws SQLException {
        String key = newKey();
        answered(db.c, "alice", key, "{\"id\": \"1\"}");
        assertThat(repo.findLive(db.c, "alice", key)).satisfies(s -> {
            assertThat(s.route()).isEqualTo("POST /jobs");
            assertThat(s.requestHash()).isEqualTo(HASH);
            assertThat(s.status()).isEqualTo(201);
            assertThat(s.headersJson()).isEqualTo("{\"Content-Type\": \"application/json\"}");
            assertThat(s.body()).isEqualTo("{\"id\": \"1\"}");
        });
        List<Map<String, String>> before = row("alice", key);
        assertThat(repo.takeUnlessHeld(db.c, "alice", key, "POST /jobs/batch", "other".getBytes(StandardCharsets.UTF_8)))
                .as("a live key is held").isFalse();
        assertThat(row("alice", key)).isEqualTo(before);
        assertThat(repo.takeUnlessHeld(db.c, "bob", key, "POST /jobs", HASH)).as("another caller's key").isTrue();
        assertThat(repo.findLive(db.c, "carol", key)).as("no such key").isNull();
    }

    @Test
    void anExpiredKeyIsTakenOverInPlace() throws SQLException {
        String key = newKey();
        answered(db.c, "alice", key, "old");
        age(key, "25 hours");
        assertThat(repo.findLive(db.c, "alice", key)).as("an expired answer is not replayed").isNull();
        byte[] hash = "hash-2".getBytes(StandardCharsets.UTF_8);
        assertThat(repo.takeUnlessHeld(db.c, "alice", key, "POST /jobs/bulk", hash)).isTrue();
        Map<String, String> taken = row("alice", key).get(0);
        assertThat(taken.get("route")).isEqualTo("POST /jobs/bulk");
        assertThat(taken.get("status")).isNull();
        assertThat(taken.get("headers")).isNull();
        assertThat(taken.get("body")).isNull();
        assertThat(repo.findLive(db.c, "alice", key)).as("a new lifetime, a new hash")
                .satisfies(s -> assertThat(s.requestHash()).isEqualTo(hash));
    }

    @Test
    void aKeyLivesExactlyItsLifetime() throws SQLException {
        // In one transaction now() stands still, so the edge can be set to the microsecond.
        String key = newKey();
        db.inOneTransactionRolledBack(() -> {
            answered(db.c, "alice", key, "edge");
            age(key, IdempotencyKeys.LIFETIME);
            assertThat(repo.findLive(db.c, "alice", key)).as("aged exactly its lifetime").isNotNull();
            List<Map<String, String>> before = row("alice", key);
            assertThat(repo.takeUnlessHeld(db.c, "alice", key, "POST /jobs", HASH)).isFalse();
            assertThat(row("alice", key)).isEqualTo(before);
            age(key, IdempotencyKeys.LIFETIME + " 1 microsecond");
            assertThat(repo.findLive(db.c, "alice", key)).as("one microsecond more").isNull();
            assertThat(repo.takeUnlessHeld(db.c, "alice", key, "POST /jobs", HASH)).isTrue();
        });
    }

    @Test
    void anAnswerIsStoredOnlyOnAKeyHeldAndNotAnsweredYet() throws SQLException {
        String key = newKey();
        answered(db.c, "alice", key, "first");
        List<Map<String, String>> before = row("alice", key);
        assertThatThrownBy(() -> repo.storeAnswer(db.c, "alice", key, 500, "{}", "second"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(row("alice", key)).as("the first answer stays").isEqualTo(before);
        assertThatThrownBy(() -> repo.storeAnswer(db.c, "alice", newKey(), 201, "{}", "none"))
                .as("no such key").isInstanceOf(IllegalStateException.class);
        assertThat(queryLong(db.c, "select count(*) from idempotency_keys where body = 'none'")).isZero();
    }

    @Test
    void onlyExpiredKeysArePrunedAtMostTheLimitAtATime() throws SQLException {
        exec(db.c, "delete from idempotency_keys");
        for (int i = 0; i < 5; i++) {
            String key = "old-" + i;
            answered(db.c, "alice", key, "old");
            age(key, "24 hours 1 second");
        }
        answered(db.c, "alice", "young", "young");
        age("young", "23 hours 59 minutes");
        assertThat(repo.deleteExpired(db.c, 0)).isZero();
        assertThat(repo.deleteExpired(db.c, 3)).isEqualTo(3);
        assertThat(repo.deleteExpired(db.c, 3)).isEqualTo(2);
        assertThat(repo.deleteExpired(db.c, Integer.MAX_VALUE)).isZero();
        assertThat(rows(db.c, "select key from idempotency_keys")).containsExactly(Map.of("key", "young"));
    }

    /** The first request's transaction holds {@code key}; the second's, started on another thread, waits for it. */
    private <T> CompletableFuture<T> secondWaitsForFirst(Connection first, Connection second, String key,
                                                         Callable<T> secondWork) throws Exception {
        first.setAutoCommit(false);
        second.setAutoCommit(false);
        assertThat(repo.takeUnlessHeld(first, "alice", key, "POST /jobs", HASH)).isTrue();
        int pid = backendPid(second);
        CompletableFuture<T> waiting = inBackground(secondWork);
        awaitWaitingOnLock(db.c, pid, waiting);
        assertThat(waiting).as("the second waits for the first's transaction").isNotDone();
        return waiting;
    }

    @Test
    void ofTwoRequestsWithOneKeyTheSecondWaitsForTheFirstsAnswer() throws Exception {
        String key = newKey();
        try (Connection first = db.connect(); Connection second = db.connect()) {
            CompletableFuture<Stored> waiting = secondWaitsForFirst(first, second, key,
                    () -> repo.takeUnlessHeld(second, "alice", key, "POST /jobs", HASH) ? null
                            : repo.findLive(second, "alice", key));
            repo.storeAnswer(first, "alice", key, 201, "{}", "the first's answer");
            first.commit();
            assertThat(waiting.get()).as("the second replays the first's answer").isNotNull()
                    .extracting(Stored::body).isEqualTo("the first's answer");
            second.commit();
        }
    }

    @Test
    void aKeyWhoseFirstRequestRolledBackIsTakenByTheSecond() throws Exception {
        String key = newKey();
        try (Connection first = db.connect(); Connection second = db.connect()) {
            CompletableFuture<Boolean> waiting = secondWaitsForFirst(first, second, key,
                    () -> repo.takeUnlessHeld(second, "alice", key, "POST /jobs", HASH));
            first.rollback();
            assertThat(waiting.get()).as("the key is free again").isTrue();
            repo.storeAnswer(second, "alice", key, 202, "{}", "the second's answer");
            second.commit();
        }
        assertThat(repo.findLive(db.c, "alice", key).body()).isEqualTo("the second's answer");
    }

    @Test
    void ofTwoRequestsRacingForOneKeyExactlyOneTakesIt() throws Exception {
        try (Connection one = db.connect(); Connection two = db.connect()) {
            one.setAutoCommit(false);
            two.setAutoCommit(false);
            for (int round = 0; round < 10; round++) {
                String key = newKey();
                List<String> bodies = race(() -> takeAndAnswer(one, key, "one"), () -> takeAndAnswer(two, key, "two"));
                Stored stored = repo.findLive(db.c, "alice", key);
                assertThat(bodies).as("round %d: each is answered with the winner's body", round)
                        .containsExactly(stored.body(), stored.body());
            }
        }
    }

    /** A request's transaction: take the key and answer, or find the answer stored. */
    private String takeAndAnswer(Connection on, String key, String body) throws SQLException {
        try {
            if (repo.takeUnlessHeld(on, "alice", key, "POST /jobs", HASH)) {
                repo.storeAnswer(on, "alice", key, 201, "{}", body);
                return body;
            }
            return repo.findLive(on, "alice", key).body();
        } finally {
            on.commit();
        }
    }
}
