package dev.baton.worker;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A small blocking HTTP/1.1 client over keep-alive connections, for the worker's few request
 * shapes (send a JSON body, read a JSON answer); the bench drives coordinators with it too.
 * Worker threads are virtual, so blocking costs nothing. One request per connection at a time;
 * an idle connection is reused by the next request to the same coordinator, most recently used
 * first. {@code https://} URLs speak TLS 1.2 or 1.3 as {@link ClientTls} says (the JDK's trust
 * store by default, or BATON_TLS_CA; a client certificate for mutual TLS), always checking that the
 * coordinator's certificate is for the URL's host; a TLS connection is kept and reused like a plain
 * one, so the handshake is paid once per connection. A certificate refused on either side is a
 * {@link TlsRefused}, whose message says which and why.
 *
 * <p>Why hand-written: the JDK's HttpClient spent about 1 ms of CPU per request on this machine
 * (its selector thread, executor hand-offs and futures), more than the coordinator's work for a
 * whole claim. Measured against a well-kept pooled blocking client (issue 13 item 6,
 * docs/benchmarks.md "The worker's HTTP client"): with Apache HttpClient 5.6 classic behind
 * {@link BatonClient} instead (pooled, tuned, same timeouts and resend), the worker process spent
 * a median 2,923 µs of CPU per job (2,740–3,190) against 2,140 µs (1,730–2,260) with this one,
 * three interleaved runs each of {@code bench/run.sh worker-cpu} (jobs with heartbeats, progress,
 * log lines and group-committed completions) on a loaded two-core machine. This client saves 27%
 * of the worker's CPU per job, more than the fifth that was the bar for keeping it.
 */
public final class Http1 {
    private static final int CONNECT_TIMEOUT_MS = 3000;
    /** Longest a TLS handshake may take once connected; a server that accepts and says nothing is no server. */
    private static final int HANDSHAKE_TIMEOUT_MS = 5000;
    private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final int MAX_IDLE = 32;

    private final String host;
    private final int port;
    private final ClientTls tls;
    private final String url;
    private final String hostHeader;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

    public record Response(int status, String body) {
    }

    /** A client for {@code base}; an {@code https://} one trusts the JDK's default trust store. */
    public Http1(URI base) {
        this(base, null);
    }

    /** A client for {@code base}; an {@code https://} one speaks TLS as {@code tls} says (null: the JDK's defaults). */
    public Http1(URI base, ClientTls tls) {
        boolean https = "https".equalsIgnoreCase(base.getScheme());
        if (!https && !"http".equalsIgnoreCase(base.getScheme())) {
            throw new IllegalArgumentException("coordinator URL must be http:// or https://: " + base);
        }
        this.tls = !https ? null : tls != null ? tls : ClientTls.jdkDefaults();
        this.url = base.toString();
        this.host = base.getHost();
        this.port = base.getPort() >= 0 ? base.getPort() : https ? 443 : 80;
        this.hostHeader = base.getPort() >= 0 ? host + ":" + port : host;
    }

    /**
     * The coordinator's certificate was refused by this client (untrusted issuer, another host's,
     * expired), or this client's by the coordinator, or the port speaks no TLS: a configuration
     * error that no retry mends. The message names the URL and the reason ({@link TlsFailures}).
     */
    public static final class TlsRefused extends IOException {
        TlsRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** POSTs a JSON body; see {@link #send}. */
    public Response post(String path, Map<String, String> headers, String body, Duration timeout) throws IOException {
        return send("POST", path, headers, body, timeout);
    }

    /**
     * Sends the request ({@code body} JSON, or null for none) and reads the whole answer. A
     * connection that sat idle may have been closed by the server meanwhile: when a reused
     * connection fails before the first byte of an answer, the request goes once more on a new
     * connection (every worker request may be resent).
     */
    public Response send(String method, String path, Map<String, String> headers, String body, Duration timeout)
            throws IOException {
        byte[] request = encode(method, path, headers, body);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        Connection c = idle.pollFirst();
        if (c != null) {
            try {
                return exchange(c, request, timeoutMs);
            } catch (StaleConnection e) {
                // fall through to a fresh connection
            }
        }
        try {
            return exchange(new Connection(), request, timeoutMs);
        } catch (StaleConnection e) {
            throw e.io;
        }
    }

    /**
     * Like {@link #send}, but never sends the request twice: when a reused connection fails, the
     * IOException is the answer. For a client that must know how often it sent a request (the
     * chaos run's history: a request resent under it may have been applied twice).
     */
    public Response sendOnce(String method, String path, Map<String, String> headers, String body, Duration timeout)
            throws IOException {
        byte[] request = encode(method, path, headers, body);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        Connection c = idle.pollFirst();
        try {
            return exchange(c != null ? c : new Connection(), request, timeoutMs);
        } catch (StaleConnection e) {
            throw e.io;
        }
    }

    public void close() {
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            c.close();
        }
    }

    private Response exchange(Connection c, byte[] request, int timeoutMs) throws IOException {
        try {
            Response r = c.exchange(request, timeoutMs);
            if (c.reusable && idle.size() < MAX_IDLE) {
                idle.addFirst(c);
            } else {
                c.close();
            }
            return r;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private byte[] encode(String method, String path, Map<String, String> headers, String body) {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                .append(hostHeader).append("\r\nAccept: application/json\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
        }
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] request = new byte[h.length + payload.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(payload, 0, request, h.length, payload.length);
        return request;
    }

    /** A reused connection failed before any byte of the answer: the server had closed it. */
    private static final class StaleConnection extends IOException {
        final IOException io;

        StaleConnection(IOException io) {
            super(io.getMessage(), io);
            this.io = io;
        }
    }

    private final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private boolean used;
        private boolean reusable = true;
        /** This worker gave a client certificate in the handshake (mutual TLS). */
        private boolean presentedCertificate;

        Connection() throws IOException {
            Socket plain = new Socket();
            Socket s = plain;
            try {
                plain.setTcpNoDelay(true);
                plain.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
                if (tls != null) {
                    s = handshake(plain);
                }
            } catch (IOException e) {
                s.close();
                plain.close();
                throw e;
            }
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out = s.getOutputStream();
        }

        /**
         * TLS over the connected socket, named by the URL's host: the name sent (SNI) and the one
         * the certificate must be for, exactly as written in the URL, never a reverse lookup.
         */
        private SSLSocket handshake(Socket plain) throws IOException {
            SSLSocket ssl = (SSLSocket) tls.sockets().createSocket(plain, host, port, true);
            SSLParameters params = ssl.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            params.setProtocols(TLS_PROTOCOLS);
            ssl.setSSLParameters(params);
            ssl.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
            ClientTls.ClientCertificate asked;
            try {
                asked = tls.handshake(ssl);
            } catch (SSLException e) {
                ssl.close();
                throw TlsFailures.isConfiguration(e) ? new TlsRefused(TlsFailures.explain(url, host, e, tls), e) : e;
            }
            if (asked.refusedForSure()) {
                ssl.close();
                throw new TlsRefused(TlsFailures.noClientCertificate(url, asked, tls), null);
            }
            presentedCertificate = asked.presented();
            return ssl;
        }

        /**
         * The first request on a new connection failed: after a handshake in which this worker gave
         * a client certificate, that is how a TLS 1.3 coordinator refuses one it does not accept
         * (it closes the connection), so it is said as such; otherwise it is the failure as it came.
         */
        private IOException firstAnswerLost(IOException e) {
            return presentedCertificate ? new TlsRefused(TlsFailures.closedAfterHandshake(url, e, tls), e) : e;
        }

        Response exchange(byte[] request, int timeoutMs) throws IOException {
            boolean reused = used;
            used = true;
            socket.setSoTimeout(timeoutMs);
            // Stale only if the server closed the connection before sending a single byte of the
            // answer: then it had not started on this request.
            int first;
            try {
                out.write(request);
                out.flush();
                first = in.read();
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (SSLException e) {
                // With TLS 1.3 the coordinator checks this client's certificate after the client's
                // side of the handshake ended: its refusal arrives with the first answer.
                if (reused) {
                    throw new StaleConnection(e);
                }
                if (TlsFailures.isConfiguration(e)) {
                    throw new TlsRefused(TlsFailures.explain(url, host, e, tls), e);
                }
                throw firstAnswerLost(e);
            } catch (IOException e) {
                throw reused ? new StaleConnection(e) : firstAnswerLost(e);
            }
            if (first < 0) {
                IOException closed = new IOException("connection closed by " + host + ":" + port + " before answering");
                throw reused ? new StaleConnection(closed) : firstAnswerLost(closed);
            }
            String status = first == '\n' ? "" : first == '\r' ? line() : (char) first + line();
            if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                throw new IOException("not an HTTP/1.x answer: " + abbreviate(status));
            }
            int code;
            try {
                code = Integer.parseInt(status.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status: " + abbreviate(status));
            }
            long length = -1;
            boolean chunked = false;
            reusable = !status.startsWith("HTTP/1.0");
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed header line: " + abbreviate(l));
                }
                String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = l.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = parseLength(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> reusable &= !value.toLowerCase(Locale.ROOT).contains("close");
                    default -> { }
                }
            }
            byte[] content;
            if (code / 100 == 1 || code == 204 || code == 304) {
                content = new byte[0]; // never a body (RFC 9112 6.3)
            } else if (chunked) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int n = chunkSize(); n > 0; n = chunkSize()) {
                    b.write(readExactly(n));
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers, ignored
                }
                content = b.toByteArray();
            } else if (length >= 0) {
                if (length > Integer.MAX_VALUE - 16) {
                    throw new IOException("answer too large: " + length + " bytes");
                }
                content = readExactly((int) length);
            } else {
                content = in.readAllBytes();
                reusable = false;
            }
            return new Response(code, new String(content, StandardCharsets.UTF_8));
        }

        private int chunkSize() throws IOException {
            String l = line();
            try {
                int n = Integer.parseInt(l.split(";", 2)[0].trim(), 16);
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size: " + abbreviate(l));
            }
        }

        private long parseLength(String value) throws IOException {
            try {
                long n = Long.parseLong(value);
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IOException("malformed Content-Length: " + abbreviate(value));
            }
        }

        private byte[] readExactly(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length != n) {
                throw new IOException("connection closed mid-answer");
            }
            return b;
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed by " + host + ":" + port);
                }
                if (c != '\r') {
                    b.append((char) c);
                }
                if (b.length() > 64 * 1024) {
                    throw new IOException("header line too long");
                }
            }
            return b.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
