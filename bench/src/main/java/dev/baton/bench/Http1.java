package dev.baton.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A small blocking HTTP/1.1 client over keep-alive sockets. The bench runs on the same two
 * cores as the coordinator; the JDK's HttpClient spent about as much CPU per request as the
 * coordinator did (1.0-1.5 ms here), so it would have measured itself. One request per
 * connection at a time; idle connections are reused by whichever thread comes next.
 */
final class Http1 {
    private final String host;
    private final int port;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();

    record Response(int status, String body) {
    }

    Http1(String base) {
        URI uri = URI.create(base);
        this.host = uri.getHost();
        this.port = uri.getPort() < 0 ? 80 : uri.getPort();
    }

    Response send(String method, String path, String token, String body) throws IOException {
        Connection c = idle.poll();
        if (c == null) {
            c = new Connection(host, port);
        }
        try {
            Response r = c.exchange(method, path, token, body);
            if (c.reusable) {
                idle.add(c);
            } else {
                c.close();
            }
            return r;
        } catch (IOException | RuntimeException e) {
            // Never resent: a POST may have been applied.
            c.close();
            throw e;
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final String hostHeader;
        private boolean reusable = true;

        Connection(String host, int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(120_000);
            socket.connect(new InetSocketAddress(host, port), 3000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
            hostHeader = host + ":" + port;
        }

        Response exchange(String method, String path, String token, String body) throws IOException {
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path)
                    .append(" HTTP/1.1\r\nHost: ").append(hostHeader).append("\r\n");
            if (token != null) {
                head.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
            byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
            byte[] request = new byte[h.length + payload.length];
            System.arraycopy(h, 0, request, 0, h.length);
            System.arraycopy(payload, 0, request, h.length, payload.length);
            out.write(request);
            out.flush();

            String status = line();
            if (!status.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = l.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> reusable &= !value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            byte[] content;
            if (chunked) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int n = Integer.parseInt(line().split(";")[0].trim(), 16); n > 0;
                     n = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                    b.write(in.readNBytes(n));
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
                content = b.toByteArray();
            } else if (length >= 0) {
                content = in.readNBytes((int) length);
                if (content.length != length) {
                    throw new IOException("connection closed mid-body");
                }
            } else {
                content = in.readAllBytes();
                reusable = false;
            }
            return new Response(code, new String(content, StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    b.append((char) c);
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
}
