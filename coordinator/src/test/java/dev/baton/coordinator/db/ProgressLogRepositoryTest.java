package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.TOKEN;
import static dev.baton.coordinator.db.MigratedDatabase.awaitWaitingOnLock;
import static dev.baton.coordinator.db.MigratedDatabase.backendPid;
import static dev.baton.coordinator.db.MigratedDatabase.committed;
import static dev.baton.coordinator.db.MigratedDatabase.exec;
import static dev.baton.coordinator.db.MigratedDatabase.inBackground;
import static dev.baton.coordinator.db.MigratedDatabase.queryLong;
import static dev.baton.coordinator.db.MigratedDatabase.race;
import static dev.baton.coordinator.db.MigratedDatabase.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.JobStatus;
import dev.baton.coordinator.db.ProgressLogRepository.Appended;
import dev.baton.coordinator.db.ProgressLogRepository.LeaseCheck;
import dev.baton.coordinator.db.ProgressLogRepository.ProgressItem;
import dev.baton.coordinator.db.ProgressLogRepository.StoredLine;
import dev.baton.coordinator.service.ProgressLogService;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guarded statements of {@link ProgressLogRepository} on a real database: the progress
 * compare-and-swap applies exactly when version and lease match and otherwise changes no row;
 * a log append stores lines only under a held lease, once per (attempt, seq), and refuses a seq
 * stored with other content as a whole; two writers on one guard: exactly one wins.
 */
@Timeout(60) // a guard broken into a lock wait fails the test instead of hanging the build
class ProgressLogRepositoryTest {
    static final long NO_JOB = Long.MAX_VALUE;
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();
    final ProgressLogRepository repo = new ProgressLogRepository();

    private static long running() throws SQLException {
        return db.insert("progress", JobStatus.RUNNING);
    }

    /** The job's row, its events and its lines, to compare before and after. */
    private static List<Object> everything(long id) throws SQLException {
        return List.of(rows(db.c, "select * from jobs where id = ?", id),
                rows(db.c, "select * from job_events where job_id = ? order by id", id),
                rows(db.c, "select * from job_logs where job_id = ? order by position", id));
    }

    private static ProgressItem item(long id, long version, String token, String message) {
        return new ProgressItem(id, version, token, 3, 10L, message);
    }

    // --- progress: the compare-and-swap by version and lease ---

    @Test
    void progressAppliesWithTheVersionAndLeaseTheWorkerSaw() throws SQLException {
        long id = running();
        assertThat(repo.setProgressIfVersion(db.c, item(id, 1, TOKEN, "a third"))).isEqualTo(2L);
        Map<String, String> row = rows(db.c, "select version, progress - 'updatedAt' as p, progress->>'updatedAt' is not null as stamped "
                + "from jobs where id = ?", id).get(0);
        assertThat(row.get("version")).isEqualTo("2");
        assertThat(row.get("p")).isEqualTo("{\"total\": 10, \"current\": 3, \"message\": \"a third\"}");
        assertThat(row.get("stamped")).isEqualTo("true");
        assertThat(rows(db.c, "select type, detail::text from job_events where job_id = ?", id))
                .containsExactly(Map.of("type", "progress", "detail",
                        "{\"total\": 10, \"current\": 3, \"message\": \"a third\"}"));
        assertThat(repo.setProgressIfVersion(db.c, item(id, 2, TOKEN, null))).as("the next version").isEqualTo(3L);
    }

    @Test
    void progressChangesNothingWhenVersionOrLeaseIsOff() throws SQLException {
        long stale = running();
        exec(db.c, "update jobs set version = 3 where id = ?", stale);
        long expired = db.insertExpired("progress");
        long finished = db.insert("progress", JobStatus.SUCCEEDED);
        long other = running();
        Map<String, ProgressItem> refused = Map.of(
                "a stale version", item(stale, 2, TOKEN, "x"),
                "a version ahead", item(stale, 4, TOKEN, "x"),
                "another lease", item(other, 1, "lease-2", "x"),
                "no lease", item(other, 1, null, "x"),
                "an expired lease", item(expired, 1, TOKEN, "x"),
                "a finished job", item(finished, 1, TOKEN, "x"),
                "no such job", item(NO_JOB, 1, TOKEN, "x"));
        for (Map.Entry<String, ProgressItem> e : refused.entrySet()) {
            List<Object> before = everything(e.getValue().id());
            assertThat(repo.setProgressIfVersion(db.c, e.getValue())).as(e.getKey()).isNull();
            assertThat(everything(e.getValue().id())).as(e.getKey()).isEqualTo(before);
        }
    }

    @Test
    void eachItemOfABatchCarriesItsOwnGuard() throws SQLException {
        long a = running();
        long b = running();
        long d = running();
        long e = running();
        List<Object> beforeB = everything(b);
        List<Object> beforeD = everything(d);
        Map<Integer, Long> versions = repo.setProgressEachIfVersion(db.c, List.of(
                item(a, 1, TOKEN, "a"), item(b, 7, TOKEN, "b"), item(d, 1, "lease-2", "d"), item(e, 1, TOKEN, "e")));
        assertThat(versions).isEqualTo(Map.of(0, 2L, 3, 2L));
        assertThat(everything(b)).isEqualTo(beforeB);
        assertThat(everything(d)).isEqualTo(beforeD);
        assertThat(repo.setProgressEachIfVersion(db.c, List.of())).as("an empty batch").isEmpty();
    }

    @Test
    void aFullBatchAppliesEveryItem() throws SQLException {
        // ProgressCommits puts up to 500 updates into one statement.
        List<Long> ids = db.insert(500, "progress", JobStatus.RUNNING);
        List<ProgressItem> items = new ArrayList<>();
        for (int k = 0; k < 500; k++) {
            items.add(item(ids.get(k), 1, TOKEN, "item " + k));
        }
        Collections.reverse(items);
        Map<Integer, Long> versions = repo.setProgressEachIfVersion(db.c, items);
        assertThat(versions).hasSize(500).allSatisfy((k, v) -> assertThat(v).isEqualTo(2L));
        assertThat(queryLong(db.c, "select count(*) from jobs where id = ? and progress->>'message' = 'item 0'",
                items.get(499).id())).isEqualTo(1);
    }

    @Test
    void versionsAtTheEdgesOfLong() throws SQLException {
        long id = running();
        exec(db.c, "update jobs set version = ? where id = ?", Long.MAX_VALUE - 1, id);
        for (long wrong : new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}) {
            List<Object> before = everything(id);
            assertThat(repo.setProgressIfVersion(db.c, item(id, wrong, TOKEN, "x"))).as("expected %d", wrong).isNull();
            assertThat(everything(id)).isEqualTo(before);
        }
        assertThat(repo.setProgressIfVersion(db.c, item(id, Long.MAX_VALUE - 1, TOKEN, "x"))).isEqualTo(Long.MAX_VALUE);
        // One more would not fit a bigint: the statement fails whole (22003, a 400 through Db)
        // and changes nothing. 2^63 updates of one job do not happen; the guard still holds.
        List<Object> before = everything(id);
        assertThatThrownBy(() -> repo.setProgressIfVersion(db.c, item(id, Long.MAX_VALUE, TOKEN, "y")))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22003"));
        assertThat(everything(id)).isEqualTo(before);
    }

    @Test
    void aProgressEventIsWrittenAtMostOnceInFiveSecondsPerAttempt() throws SQLException {
        long id = running();
        String events = "select count(*) from job_events where job_id = ? and type = 'progress'";
        repo.setProgressIfVersion(db.c, item(id, 1, TOKEN, "first"));
        repo.setProgressIfVersion(db.c, item(id, 2, TOKEN, "second"));
        assertThat(queryLong(db.c, events, id)).as("the second within 5 s writes none").isEqualTo(1);
        exec(db.c, "update job_events set at = now() - interval '6 seconds' where job_id = ?", id);
        repo.setProgressIfVersion(db.c, item(id, 3, TOKEN, "third"));
        assertThat(queryLong(db.c, events, id)).as("5 s after the last, one more").isEqualTo(2);
        exec(db.c, "update jobs set attempt = 2 where id = ?", id);
        repo.setProgressIfVersion(db.c, item(id, 4, TOKEN, "of attempt 2"));
        assertThat(queryLong(db.c, events, id)).as("the first of a new attempt").isEqualTo(3);
        assertThat(queryLong(db.c, "select version from jobs where id = ?", id)).isEqualTo(5);
    }

    @Test
    void twoUpdatesWithOneVersionExactlyOneWins() throws Exception {
        try (Connection one = db.connect(); Connection two = db.connect()) {
            for (int round = 0; round < 10; round++) {
                long id = running();
                List<Long> versions = race(() -> repo.setProgressIfVersion(one, item(id, 1, TOKEN, "one")),
                        () -> repo.setProgressIfVersion(two, item(id, 1, TOKEN, "two")));
                assertThat(versions).as("round %d", round).containsExactlyInAnyOrder(2L, null);
                String winner = versions.get(0) != null ? "one" : "two";
                assertThat(rows(db.c, "select version, progress->>'message' as m from jobs where id = ?", id))
                        .containsExactly(Map.of("version", "2", "m", winner));
            }
        }
    }

    @Test
    void twoBatchesSharingJobsInOppositeOrderNeitherDeadlocksAndEachJobHasOneWinner() throws Exception {
        // In opposite orders, as two coordinators' batches may be. Each session is held to a
        // nested loop that looks the jobs up item by item, so rows are locked in the items' order
        // unless the statement sorts them first: without its order by, these two deadlock.
        try (Connection one = db.connect(); Connection two = db.connect()) {
            for (Connection on : List.of(one, two)) {
                exec(on, "set enable_hashjoin = off");
                exec(on, "set enable_mergejoin = off");
                exec(on, "set enable_seqscan = off");
                on.setAutoCommit(false);
            }
            for (int round = 0; round < 5; round++) {
                List<Long> ids = db.insert(500, "progress", JobStatus.RUNNING);
                List<ProgressItem> forward = ids.stream().map(id -> item(id, 1, TOKEN, "one")).toList();
                List<ProgressItem> backward = new ArrayList<>(ids.stream().map(id -> item(id, 1, TOKEN, "two")).toList());
                Collections.reverse(backward);
                List<Map<Integer, Long>> won = race(() -> committed(one, repo.setProgressEachIfVersion(one, forward)),
                        () -> committed(two, repo.setProgressEachIfVersion(two, backward)));
                assertThat(won.get(0).size() + won.get(1).size()).as("round %d", round).isEqualTo(500);
                assertThat(queryLong(db.c, "select count(*) from jobs where id = any(?) and version = 2",
                        db.c.createArrayOf("bigint", ids.toArray()))).isEqualTo(500);
            }
        }
    }

    // --- log appends: lease fencing, one line per (attempt, seq), conflicts ---

    private Appended append(Connection on, long id, String token, int... seqs) throws SQLException {
        return append(on, id, token, "info", "line", seqs);
    }

    private Appended append(Connection on, long id, String token, String level, String prefix, int... seqs)
            throws SQLException {
        Integer[] s = IntStream.of(seqs).boxed().toArray(Integer[]::new);
        String[] levels = IntStream.of(seqs).mapToObj(q -> level).toArray(String[]::new);
        String[] messages = IntStream.of(seqs).mapToObj(q -> prefix + " " + q).toArray(String[]::new);
        return repo.appendIfLeaseHeld(on, id, token, s, levels, messages);
    }

    private static List<String> lines(long id) throws SQLException {
        return rows(db.c, "select position, attempt, seq, level, message from job_logs where job_id = ? order by position", id)
                .stream().map(r -> r.get("position") + ":" + r.get("attempt") + "/" + r.get("seq") + " " + r.get("level")
                        + " " + r.get("message")).toList();
    }

    @Test
    void anAppendStoresItsLinesInSeqOrderAfterTheHighestPositionAndLeavesTheJobAsItWas() throws SQLException {
        long id = running();
        Object job = rows(db.c, "select * from jobs where id = ?", id);
        assertThat(append(db.c, id, TOKEN, 1, 2, 3)).isEqualTo(new Appended(true, true, 1, 3, List.of()));
        assertThat(append(db.c, id, TOKEN, 4, 5)).isEqualTo(new Appended(true, true, 1, 2, List.of()));
        assertThat(lines(id)).containsExactly("1:1/1 info line 1", "2:1/2 info line 2", "3:1/3 info line 3",
                "4:1/4 info line 4", "5:1/5 info line 5");
        assertThat(rows(db.c, "select * from jobs where id = ?", id)).as("the row and its version").isEqualTo(job);
    }

    @Test
    void anAppendWithoutTheLeaseStoresNothing() throws SQLException {
        long other = running();
        long expired = db.insertExpired("logs");
        long failed = db.insert("logs", JobStatus.FAILED);
        append(db.c, other, TOKEN, 1);
        record Case(String name, long id, String token) {
        }
        for (Case k : List.of(new Case("another lease", other, "lease-2"), new Case("no lease", other, null),
                new Case("an expired lease", expired, TOKEN), new Case("a finished job", failed, TOKEN))) {
            List<Object> before = everything(k.id());
            assertThat(append(db.c, k.id(), k.token(), 2, 3)).as(k.name())
                    .isEqualTo(new Appended(true, false, 1, 0, List.of()));
            assertThat(everything(k.id())).as(k.name()).isEqualTo(before);
        }
        assertThat(append(db.c, NO_JOB, TOKEN, 1)).as("no such job")
                .isEqualTo(new Appended(false, false, 0, 0, List.of()));
        assertThat(queryLong(db.c, "select count(*) from job_logs where job_id = ?", NO_JOB)).isZero();
    }

    @Test
    void theAppendFunctionItselfHoldsNoLeaseForANullToken() throws SQLException {
        long id = running();
        List<Object> before = everything(id);
        assertThat(rows(db.c, "select * from baton_append_logs(?, null, '{1}', '{info}', '{line}')", id))
                .containsExactly(Map.of("job_found", "true", "lease_held", "false", "attempt", "1", "accepted", "0",
                        "conflicts", "{}"));
        assertThat(everything(id)).isEqualTo(before);
    }

    @Test
    void aResendStoresOnlyTheLinesNotStoredYet() throws SQLException {
        long id = running();
        append(db.c, id, TOKEN, 1, 2, 3);
        List<String> before = lines(id);
        assertThat(append(db.c, id, TOKEN, 1, 2, 3)).as("the same lines again")
                .isEqualTo(new Appended(true, true, 1, 0, List.of()));
        assertThat(lines(id)).isEqualTo(before);
        assertThat(append(db.c, id, TOKEN, 2, 3, 4)).isEqualTo(new Appended(true, true, 1, 1, List.of()));
        // Its position is the highest (3) plus its place in the request (3): a gap where 2 and 3 were resent.
        assertThat(lines(id)).hasSize(4).startsWith(before.toArray(String[]::new)).endsWith("6:1/4 info line 4");
    }

    @Test
    void aSeqStoredWithOtherContentRefusesTheWholeAppend() throws SQLException {
        long id = running();
        append(db.c, id, TOKEN, 1, 2);
        List<Object> before = everything(id);
        assertThat(append(db.c, id, TOKEN, "info", "other", 2, 3)).as("another message")
                .isEqualTo(new Appended(true, true, 1, 0, List.of(2)));
        assertThat(append(db.c, id, TOKEN, "warn", "line", 1, 2, 3)).as("another level")
                .isEqualTo(new Appended(true, true, 1, 0, List.of(1, 2)));
        assertThat(everything(id)).as("seq 3 was not stored either").isEqualTo(before);
        exec(db.c, "update jobs set attempt = 2 where id = ?", id);
        assertThat(append(db.c, id, TOKEN, "info", "other", 1)).as("seq 1 of the next attempt is a new line")
                .isEqualTo(new Appended(true, true, 2, 1, List.of()));
        assertThat(lines(id)).last().isEqualTo("3:2/1 info other 1");
    }

    @Test
    void anEmptyAppendAndAFullOne() throws SQLException {
        long id = running();
        assertThat(append(db.c, id, TOKEN)).isEqualTo(new Appended(true, true, 1, 0, List.of()));
        assertThat(lines(id)).isEmpty();
        int[] seqs = IntStream.rangeClosed(Integer.MAX_VALUE - ProgressLogService.MAX_ENTRIES + 1, Integer.MAX_VALUE)
                .toArray();
        assertThat(append(db.c, id, TOKEN, seqs).accepted()).isEqualTo(ProgressLogService.MAX_ENTRIES);
        assertThat(lines(id)).hasSize(ProgressLogService.MAX_ENTRIES)
                .last().isEqualTo(ProgressLogService.MAX_ENTRIES + ":1/" + Integer.MAX_VALUE + " info line " + Integer.MAX_VALUE);
    }

    @Test
    void twoAppendsOfOneSeqStoreItOnce() throws Exception {
        try (Connection one = db.connect(); Connection two = db.connect()) {
            for (int round = 0; round < 10; round++) {
                long same = running();
                long different = running();
                List<Appended> a = race(() -> append(one, same, TOKEN, 1), () -> append(two, same, TOKEN, 1));
                assertThat(a).extracting(Appended::accepted).containsExactlyInAnyOrder(0, 1);
                assertThat(a).allSatisfy(x -> assertThat(x.conflicts()).isEmpty());
                List<Appended> b = race(() -> append(one, different, TOKEN, "info", "one", 1),
                        () -> append(two, different, TOKEN, "info", "two", 1));
                assertThat(b).as("one stores, the other conflicts")
                        .containsExactlyInAnyOrder(new Appended(true, true, 1, 1, List.of()),
                                new Appended(true, true, 1, 0, List.of(1)));
                String winner = b.get(0).accepted() == 1 ? "one" : "two";
                assertThat(lines(different)).containsExactly("1:1/1 info " + winner + " 1");
            }
        }
    }

    @Test
    void concurrentAppendsTakePositionsOneAfterTheOther() throws Exception {
        long id = running();
        try (Connection one = db.connect(); Connection two = db.connect()) {
            race(() -> append(one, id, TOKEN, IntStream.rangeClosed(1, 50).toArray()),
                    () -> append(two, id, TOKEN, IntStream.rangeClosed(51, 100).toArray()));
        }
        List<Map<String, String>> stored = rows(db.c, "select position, seq from job_logs where job_id = ? order by position", id);
        assertThat(stored).extracting(r -> Long.parseLong(r.get("position")))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 100).mapToObj(p -> (long) p).toList());
        // Each append's lines are one run of positions: the first 50 are all of one append.
        List<Integer> firstRun = stored.subList(0, 50).stream().map(r -> Integer.parseInt(r.get("seq"))).toList();
        assertThat(firstRun).isSorted().satisfiesAnyOf(s -> assertThat(s.get(0)).isEqualTo(1),
                s -> assertThat(s.get(0)).isEqualTo(51));
        assertThat(firstRun.get(49) - firstRun.get(0)).isEqualTo(49);
    }

    @Test
    void anAppendWaitingOnTheRowFindsTheJobFinishedAndStoresNothing() throws Exception {
        long id = running();
        try (Connection holder = db.connect(); Connection appender = db.connect()) {
            holder.setAutoCommit(false);
            assertThat(repo.lockWithLeaseCheck(holder, id, TOKEN).leaseHeld()).isTrue();
            int pid = backendPid(appender);
            CompletableFuture<Appended> waiting = inBackground(() -> append(appender, id, TOKEN, 1));
            awaitWaitingOnLock(db.c, pid, waiting);
            assertThat(waiting).as("the append waits for the lock").isNotDone();
            exec(holder, "update jobs set status = 'succeeded', lease_token = null, lease_expires_at = null, "
                    + "finished_at = now() where id = ?", id);
            holder.commit();
            assertThat(waiting.get()).isEqualTo(new Appended(true, false, 1, 0, List.of()));
        }
        assertThat(lines(id)).isEmpty();
    }

    // --- the reads around them ---

    @Test
    void theLeaseCheckSaysWhetherTheTokenHoldsTheLeaseNow() throws SQLException {
        long id = running();
        long expired = db.insertExpired("check");
        long cancelled = db.insert("check", JobStatus.CANCELLED);
        LeaseCheck held = repo.lockWithLeaseCheck(db.c, id, TOKEN);
        assertThat(held.leaseHeld()).isTrue();
        assertThat(held.job().id()).isEqualTo(String.valueOf(id));
        assertThat(repo.lockWithLeaseCheck(db.c, id, "lease-2").leaseHeld()).isFalse();
        assertThat(repo.lockWithLeaseCheck(db.c, id, null).leaseHeld()).isFalse();
        assertThat(repo.lockWithLeaseCheck(db.c, expired, TOKEN).leaseHeld()).isFalse();
        assertThat(repo.lockWithLeaseCheck(db.c, cancelled, TOKEN).leaseHeld()).isFalse();
        assertThat(repo.lockWithLeaseCheck(db.c, NO_JOB, TOKEN)).isNull();
        assertThat(repo.status(db.c, cancelled)).isEqualTo(JobStatus.CANCELLED);
        assertThat(repo.status(db.c, NO_JOB)).isNull();
    }

    @Test
    void linesAfterAPositionInPositionOrder() throws SQLException {
        long id = running();
        append(db.c, id, TOKEN, 3, 4);
        append(db.c, id, TOKEN, 1, 2);
        assertThat(repo.linesAfter(db.c, id, 0, 10)).extracting(StoredLine::position).containsExactly(1L, 2L, 3L, 4L);
        assertThat(repo.linesAfter(db.c, id, 1, 2)).extracting(l -> l.entry().seq()).containsExactly(4, 1);
        assertThat(repo.linesAfter(db.c, id, 4, 10)).isEmpty();
        assertThat(repo.linesAfter(db.c, id, Long.MIN_VALUE, 0)).isEmpty();
    }
}
