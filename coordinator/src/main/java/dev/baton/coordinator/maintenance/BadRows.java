package dev.baton.coordinator.maintenance;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a maintenance duty survives one bad row. Its batch statement handles many rows at once, so
 * PostgreSQL refusing it for what one row holds (a data or integrity error) would stop the duty
 * for every row at every pass. Instead the duty handles that batch's rows one at a time, each
 * statement its own transaction. A row that fails alone is logged at WARN (once per process),
 * counted in {@code baton.maintenance.row.failures} (tag {@code duty}) each time it fails, and
 * left out of later batches; each pass tries it alone again, so a row repaired by hand is handled
 * and forgotten.
 */
final class BadRows {
    private static final Logger LOG = LoggerFactory.getLogger(BadRows.class);
    private final String duty;
    private final Counter failures;
    private final Set<Long> ids = ConcurrentHashMap.newKeySet();

    BadRows(String duty, MeterRegistry registry) {
        this.duty = duty;
        this.failures = Counter.builder("baton.maintenance.row.failures")
                .description("Rows a maintenance duty could not handle (each failure of each row)")
                .tag("duty", duty)
                .register(registry);
    }

    /** The duty's batch statement, leaving out {@code skipped}; returns how many rows it handled. */
    @FunctionalInterface
    interface Batch {
        int run(List<Long> skipped) throws SQLException;
    }

    /** The ids the batch statement would take, leaving out {@code skipped}. */
    @FunctionalInterface
    interface Pick {
        List<Long> ids(List<Long> skipped) throws SQLException;
    }

    /** One row handled alone; true if it changed the row. */
    @FunctionalInterface
    interface RowWork {
        boolean handle(long id) throws SQLException;
    }

    /**
     * One pass of the duty on an autocommit connection: the rows set aside earlier, each alone,
     * then {@code batch} until it handles fewer than {@code size} rows. When a row refuses a
     * batch, the rows it would have taken ({@code pick}) are handled alone instead. Returns how
     * many rows changed.
     */
    int pass(int size, Batch batch, Pick pick, RowWork alone) throws SQLException {
        int changed = eachAlone(List.copyOf(ids), alone);
        boolean more;
        do {
            try {
                int n = batch.run(List.copyOf(ids));
                changed += n;
                more = n == size;
            } catch (SQLException e) {
                if (!isRowError(e)) {
                    throw e;
                }
                List<Long> picked = pick.ids(List.copyOf(ids));
                int n = eachAlone(picked, alone);
                changed += n;
                more = picked.size() == size && n > 0;
            }
        } while (more);
        return changed;
    }

    /** Whether PostgreSQL refused the statement for the data it met, rather than a lost connection or a bug. */
    private static boolean isRowError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private int eachAlone(Collection<Long> rowIds, RowWork work) throws SQLException {
        int changed = 0;
        for (long id : rowIds) {
            try {
                if (work.handle(id)) {
                    changed++;
                }
                ids.remove(id);
            } catch (SQLException e) {
                if (!isRowError(e)) {
                    throw e;
                }
                report(id, e);
            }
        }
        return changed;
    }

    private void report(long id, SQLException e) {
        failures.increment();
        if (ids.add(id)) {
            LOG.warn("{}: job {} cannot be handled ({}: {}); it is left out of later batches and tried alone "
                    + "at each pass", duty, id, e.getSQLState(), e.getMessage());
        } else {
            LOG.debug("{}: job {} still cannot be handled ({})", duty, id, e.getSQLState());
        }
    }
}
