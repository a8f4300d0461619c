package dev.baton.coordinator.testing;

import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.config.Settings;
import io.opentelemetry.api.OpenTelemetry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A test class's own database with one or more coordinators on it, all in this JVM, each on its
 * own port with its own pool, reaper and wake-ups, exactly as separate processes would be.
 */
public final class TestCluster implements AutoCloseable {
    private final String database;
    private final Map<String, String> overrides;
    private final List<Coordinator> coordinators = new ArrayList<>();

    private TestCluster(String database, Map<String, String> overrides) {
        this.database = database;
        this.overrides = overrides;
    }

    public static TestCluster start(Class<?> owner, int coordinators) {
        return start(owner, coordinators, Map.of());
    }

    public static TestCluster start(Class<?> owner, int coordinators, Map<String, String> overrides) {
        TestCluster cluster = new TestCluster(TestServices.createDatabase(owner), overrides);
        for (int i = 0; i < coordinators; i++) {
            cluster.addCoordinator();
        }
        return cluster;
    }

    public Map<String, String> settingsFor(Map<String, String> extra) {
        TestServices.Postgres pg = TestServices.postgres();
        Map<String, String> s = new HashMap<>();
        s.put("BATON_DB_URL", pg.urlFor(database));
        s.put("BATON_DB_USER", pg.user());
        s.put("BATON_DB_PASSWORD", pg.password());
        s.put("BATON_REDIS_URL", TestServices.redisUrl());
        s.put("BATON_HTTP_PORT", "0");
        s.put("BATON_ADMIN_TOKENS", Api.ADMIN);
        s.put("BATON_PRODUCER_TOKENS", Api.PRODUCER);
        s.put("BATON_WORKER_TOKENS", Api.WORKER);
        s.put("BATON_DB_POOL_SIZE", "10");
        s.put("BATON_REDIS_PREFIX", "baton-test:" + database);
        s.putAll(overrides);
        s.putAll(extra);
        s.forEach((name, value) -> {
            if (name.endsWith("_TOKENS") || name.endsWith("_PASSWORD")) {
                List.of(value.split(",")).forEach(t -> Secrets.seen(t.trim()));
            }
        });
        return s;
    }

    public Coordinator addCoordinator() {
        return addCoordinator(Map.of());
    }

    public Coordinator addCoordinator(Map<String, String> extra) {
        return addCoordinator(extra, null);
    }

    /** A coordinator making its spans with {@code openTelemetry} (a tracing test's in-memory SDK; null: as the settings say). */
    public Coordinator addCoordinator(Map<String, String> extra, OpenTelemetry openTelemetry) {
        try {
            Coordinator c = Coordinator.start(Settings.load(Map.of(), settingsFor(extra)), openTelemetry);
            coordinators.add(c);
            return c;
        } catch (Exception e) {
            throw new IllegalStateException("coordinator did not start", e);
        }
    }

    public Coordinator coordinator(int i) {
        return coordinators.get(i);
    }

    public Api api(int i) {
        return new Api(coordinators.get(i).port());
    }

    public Api api() {
        return api(0);
    }

    public int size() {
        return coordinators.size();
    }

    public String jdbcUrl() {
        return TestServices.postgres().urlFor(database);
    }

    /** A direct connection for assertions and for faking time (moving lease_expires_at, run_at). */
    public Connection sql() {
        TestServices.Postgres pg = TestServices.postgres();
        try {
            return DriverManager.getConnection(jdbcUrl(), pg.user(), pg.password());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public long queryLong(String sql, Object... params) {
        return query(sql, params, rs -> rs.getLong(1));
    }

    /** The first column of the first row, a timestamp: {@code select now()}, or an update's {@code returning}. */
    public Instant instant(String sql, Object... params) {
        return query(sql, params, rs -> rs.getObject(1, OffsetDateTime.class).toInstant());
    }

    private interface Column<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T query(String sql, Object[] params, Column<T> column) {
        try (Connection c = sql(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return column.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public int execute(String sql, Object... params) {
        try (Connection c = sql(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void stop(int i) {
        coordinators.get(i).close();
    }

    @Override
    public void close() {
        coordinators.forEach(Coordinator::close);
        TestServices.dropDatabase(database);
    }
}
