package dev.baton.coordinator.jobrunr;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpServer;
import dev.baton.coordinator.config.Settings;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jobrunr.dashboard.JobRunrApiHandler;
import org.jobrunr.dashboard.JobRunrSseHandler;
import org.jobrunr.dashboard.JobRunrStaticFileHandler;
import org.jobrunr.dashboard.server.HttpExchangeHandler;
import org.jobrunr.dashboard.server.http.RedirectHttpHandler;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JobRunr's dashboard, when BATON_DASHBOARD_ENABLED=true: JobRunr's own handlers, served on
 * 127.0.0.1 only and behind basic auth on every path. JobRunr 7.2.3's
 * {@code JobRunrDashboardWebServer} always binds every interface, so it is not used; reach this
 * one through an SSH tunnel or a reverse proxy on the same host.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class JobRunrDashboard {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunrDashboard.class);
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<HttpExchangeHandler> handlers;

    public JobRunrDashboard(Settings settings, StorageProvider storage, JsonMapper jobRunrJsonMapper) {
        Settings.Dashboard d = settings.dashboard();
        if (!d.enabled()) {
            server = null;
            executor = null;
            handlers = List.of();
            return;
        }
        handlers = List.of(new RedirectHttpHandler("/", "/dashboard"), new JobRunrStaticFileHandler(),
                new JobRunrApiHandler(storage, jobRunrJsonMapper, false), new JobRunrSseHandler(storage, jobRunrJsonMapper));
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), d.port()), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("JobRunr dashboard cannot listen on 127.0.0.1:" + d.port(), e);
        }
        Credentials credentials = new Credentials(d.user(), d.password());
        for (HttpExchangeHandler h : handlers) {
            server.createContext(h.getContextPath(), h).setAuthenticator(credentials);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.start();
        LOG.info("JobRunr dashboard on http://127.0.0.1:{}/dashboard (basic auth)", port());
    }

    /** The port it listens on, or -1 when it is off. */
    public int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    public InetAddress address() {
        return server == null ? null : server.getAddress().getAddress();
    }

    @PreDestroy
    void stop() {
        if (server == null) {
            return;
        }
        server.stop(0);
        handlers.forEach(HttpExchangeHandler::close);
        executor.shutdownNow();
    }

    /** Compares in constant time, so the answer's timing says nothing about the password. */
    private static final class Credentials extends BasicAuthenticator {
        private final byte[] user;
        private final byte[] password;

        Credentials(String user, String password) {
            super("Baton JobRunr dashboard", StandardCharsets.UTF_8);
            this.user = user.getBytes(StandardCharsets.UTF_8);
            this.password = password.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean checkCredentials(String username, String pass) {
            boolean userOk = MessageDigest.isEqual(user, username.getBytes(StandardCharsets.UTF_8));
            boolean passOk = MessageDigest.isEqual(password, pass.getBytes(StandardCharsets.UTF_8));
            return userOk & passOk;
        }
    }
}
