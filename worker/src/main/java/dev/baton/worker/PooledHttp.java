package dev.baton.worker;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The worker's blocking HTTP/1.1 client to one coordinator, for its few request shapes (send a
 * JSON body, read a JSON answer); the bench drives coordinators with it too. Apache HttpClient 5
 * (classic) over a pool of keep-alive connections: worker threads are virtual, so blocking costs
 * nothing, and every request runs on its caller's thread.
 *
 * <p>Requests at once beyond {@value #MAX_CONNECTIONS} wait for a connection within their own
 * timeout; a connection idle for a minute is closed. A pooled connection the server closed while
 * idle is found before reuse (after 2 s idle) or, failing that, the request is sent once more on
 * a new connection when the old one failed before any answer (every worker request may be
 * resent). A timeout is not resent here: the caller decides. {@code https://} URLs use the JDK's
 * default TLS settings (its {@code javax.net.ssl} properties) with host name verification.
 */
public final class PooledHttp implements AutoCloseable {
    private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(3);
    static final int MAX_CONNECTIONS = 256;
    private static final ContentType JSON = ContentType.create("application/json");

    private final String origin;
    private final CloseableHttpClient client;

    public record Response(int status, String body) {
    }

    public PooledHttp(URI base) {
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("coordinator URL must be http:// or https://: " + base);
        }
        this.origin = scheme + "://" + base.getRawAuthority();
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(MAX_CONNECTIONS)
                        .setMaxConnPerRoute(MAX_CONNECTIONS)
                        .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                        .setTlsSocketStrategy(DefaultClientTlsStrategy.createSystemDefault())
                        .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(CONNECT_TIMEOUT)
                                .setValidateAfterInactivity(TimeValue.NEG_ONE_MILLISECOND)
                                .build())
                        .build())
                .evictIdleConnections(TimeValue.ofMinutes(1))
                .setRetryStrategy(new ResendUnanswered())
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableRedirectHandling()
                .disableConnectionState()
                .disableDefaultUserAgent()
                .build();
    }

    /** POSTs a JSON body; see {@link #send}. */
    public Response post(String path, Map<String, String> headers, String body, Duration timeout) throws IOException {
        return send("POST", path, headers, body, timeout);
    }

    /** Sends the request ({@code body} JSON, or null for none) and reads the whole answer. */
    public Response send(String method, String path, Map<String, String> headers, String body, Duration timeout)
            throws IOException {
        Timeout t = Timeout.ofMilliseconds(Math.max(1, timeout.toMillis()));
        HttpUriRequestBase request = new HttpUriRequestBase(method, URI.create(origin + path));
        request.setConfig(RequestConfig.custom().setResponseTimeout(t).setConnectionRequestTimeout(t).build());
        request.setHeader("Accept", "application/json");
        headers.forEach(request::setHeader);
        if (body != null) {
            request.setEntity(new ByteArrayEntity(body.getBytes(StandardCharsets.UTF_8), JSON));
        }
        return client.execute(request, response -> {
            HttpEntity entity = response.getEntity();
            return new Response(response.getCode(), entity == null ? "" : EntityUtils.toString(entity, StandardCharsets.UTF_8));
        });
    }

    /** Closes the client and its connections, once no request is under way. */
    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
    }

    /**
     * Once more on a new connection when a request got no answer because its connection broke
     * (the server closed it while it sat in the pool, or reset it); never after a timeout or a
     * refused connection (the caller fails over), nor on an interrupted thread.
     */
    private static final class ResendUnanswered implements HttpRequestRetryStrategy {
        @Override
        public boolean retryRequest(HttpRequest request, IOException e, int execCount, HttpContext context) {
            return execCount == 1 && !Thread.currentThread().isInterrupted()
                    && (e instanceof NoHttpResponseException || (e instanceof SocketException && !(e instanceof ConnectException)));
        }

        @Override
        public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
            return false;
        }

        @Override
        public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
            return TimeValue.ZERO_MILLISECONDS;
        }
    }
}
