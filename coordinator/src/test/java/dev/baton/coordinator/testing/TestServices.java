package dev.baton.coordinator.testing;

import dev.baton.coordinator.embedded.EmbeddedPostgresServer;
import dev.baton.coordinator.embedded.EmbeddedRedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Where the tests' PostgreSQL and Redis come from, decided once per JVM:
 * <ol>
 *   <li>environment variables when set (CI sets them): {@code BATON_TEST_DB_URL} (a JDBC URL of a
 *       database the user may create databases from), {@code BATON_TEST_DB_USER},
 *       {@code BATON_TEST_DB_PASSWORD}, {@code BATON_TEST_REDIS_URL};</li>
 *   <li>otherwise Testcontainers, when a Docker engine answers;</li>
 *   <li>otherwise embedded PostgreSQL and Redis started for this JVM.</li>
 * </ol>
 * Never a silent skip: if none works, the tests fail. Each test class gets a database of its own.
 */
public final class TestServices {
    private static Postgres postgres;
    private static String redisUrl;

    public record Postgres(String adminUrl, String user, String password, String source) {
        public String urlFor(String database) {
            int slash = adminUrl.lastIndexOf('/');
            int query = adminUrl.indexOf('?', slash);
            return adminUrl.substring(0, slash + 1) + database + (query >= 0 ? adminUrl.substring(query) : "");
        }
    }

    private TestServices() {
    }

    public static synchronized Postgres postgres() {
        if (postgres == null) {
            String url = System.getenv("BATON_TEST_DB_URL");
            if (url != null && !url.isBlank()) {
                postgres = new Postgres(url, envOr("BATON_TEST_DB_USER", "postgres"),
                        envOr("BATON_TEST_DB_PASSWORD", ""), "environment");
            } else if (dockerAvailable()) {
                PostgreSQLContainer c = new PostgreSQLContainer("postgres:15-alpine");
                c.start();
                postgres = new Postgres(c.getJdbcUrl(), c.getUsername(), c.getPassword(), "testcontainers");
            } else {
                try {
                    Path dir = Files.createTempDirectory("baton-test-pg");
                    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir);
                    postgres = new Postgres(pg.jdbcUrl(), "postgres", "", "embedded");
                } catch (Exception e) {
                    throw new IllegalStateException("no PostgreSQL for tests: set BATON_TEST_DB_URL", e);
                }
            }
        }
        return postgres;
    }

    public static synchronized String redisUrl() {
        if (redisUrl == null) {
            String url = System.getenv("BATON_TEST_REDIS_URL");
            if (url != null && !url.isBlank()) {
                redisUrl = url;
            } else if (dockerAvailable()) {
                GenericContainer<?> c = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
                c.start();
                redisUrl = "redis://" + c.getHost() + ":" + c.getMappedPort(6379) + "/0";
            } else {
                try {
                    redisUrl = EmbeddedRedisServer.start().url();
                } catch (Exception e) {
                    throw new IllegalStateException("no Redis for tests: set BATON_TEST_REDIS_URL", e);
                }
            }
        }
        return redisUrl;
    }

    /** Creates an empty database for one test class and returns its name. */
    public static String createDatabase(Class<?> owner) {
        String name = ("baton_t_" + owner.getSimpleName() + "_" + Integer.toHexString(ThreadLocalRandom.current().nextInt()))
                .toLowerCase(Locale.ROOT);
        admin("create database " + name);
        return name;
    }

    public static void dropDatabase(String name) {
        admin("drop database if exists " + name + " with (force)");
    }

    private static void admin(String sql) {
        Postgres pg = postgres();
        try (Connection c = DriverManager.getConnection(pg.adminUrl(), pg.user(), pg.password());
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    private static String envOr(String key, String fallback) {
        String v = System.getenv(key);
        return v == null || v.isBlank() ? fallback : v;
    }
}
