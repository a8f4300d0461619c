package dev.baton.coordinator.embedded;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/** A throwaway Redis for embedded mode: Redis holds nothing Baton needs to keep. */
public final class EmbeddedRedisServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedisServer.class);
    private final RedisServer server;
    private final int port;

    private EmbeddedRedisServer(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static EmbeddedRedisServer start() throws IOException {
        return start(EmbeddedPostgresServer.freePort());
    }

    public static EmbeddedRedisServer start(int port) throws IOException {
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").build();
        server.start();
        var embedded = new EmbeddedRedisServer(server, port);
        Runtime.getRuntime().addShutdownHook(new Thread(embedded::close, "embedded-redis-stop"));
        LOG.info("Embedded Redis on 127.0.0.1:{}", port);
        return embedded;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    @Override
    public void close() {
        try {
            if (server.isActive()) {
                server.stop();
            }
        } catch (IOException e) {
            LOG.warn("stopping embedded Redis: {}", e.getMessage());
        }
    }
}
