package dev.baton.coordinator.db;

import static dev.baton.coordinator.db.MigratedDatabase.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.common.Job;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bench's statements come bound as the coordinator binds them: a whole job's life runs through them. */
class BenchStatementsTest {
    @RegisterExtension
    static final MigratedDatabase db = new MigratedDatabase();

    private static NewJob echo() {
        return new NewJob("bench", "baton.echo", "{}", 0, null, 0, 5, null, "{}", 3600, Job.Backoff.DEFAULT);
    }

    private static List<String[]> rows(PreparedStatement ps, String... columns) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (ps; ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String[] row = new String[columns.length];
                for (int i = 0; i < columns.length; i++) {
                    row[i] = rs.getString(columns[i]);
                }
                out.add(row);
            }
        }
        return out;
    }

    @Test
    void enqueueClaimAndCompleteThroughTheBenchStatements() throws SQLException {
        assertThat(rows(BenchStatements.insert(db.c, echo()), "id")).hasSize(1);
        assertThat(rows(BenchStatements.insertEach(db.c, Collections.nCopies(3, echo())), "id")).hasSize(3);
        List<String[]> claimed = rows(BenchStatements.claim(db.c, "bench", "raw", 3, 30_000), "id", "lease_token");
        assertThat(claimed).hasSize(3);
        StringBuilder plan = new StringBuilder();
        db.inOneTransactionRolledBack(() -> {
            for (String[] line : rows(BenchStatements.explainClaim(db.c, "bench", "explain", 1, 30_000), "QUERY PLAN")) {
                plan.append(line[0]).append('\n');
            }
        });
        assertThat(plan).contains("Update on jobs").contains("LockRows");

        long first = Long.parseLong(claimed.get(0)[0]);
        assertThat(rows(BenchStatements.complete(db.c, first, "another-token", "{}"), "id")).isEmpty();
        assertThat(rows(BenchStatements.complete(db.c, first, claimed.get(0)[1], "{}"), "id")).hasSize(1);
        List<Long> ids = List.of(Long.parseLong(claimed.get(1)[0]), Long.parseLong(claimed.get(2)[0]));
        assertThat(rows(BenchStatements.completeEachIds(db.c, ids, List.of(claimed.get(1)[1], "another-token"),
                List.of("{}", "{}")), "id")).extracting(r -> r[0]).containsExactly(claimed.get(1)[0]);
        assertThat(value(db.c, "select count(*) from jobs where status = 'succeeded'")).isEqualTo(2L);
        assertThat(value(db.c, "select count(*) from jobs where status = 'queued'")).isEqualTo(1L);
    }
}
