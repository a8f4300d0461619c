package dev.baton.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Just enough RESP to delete a run's keys (its coordinators' {@code BATON_REDIS_PREFIX}) afterwards. */
final class Redis {
    private Redis() {
    }

    static void deleteKeys(String redisUrl, String prefix) {
        URI uri = URI.create(redisUrl);
        String path = uri.getPath() == null ? "" : uri.getPath().replace("/", "");
        try (Socket s = new Socket(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            if (!path.isEmpty()) {
                call(out, in, "SELECT", path);
            }
            String cursor = "0";
            do {
                // *2 [cursor, [keys…]]
                List<Object> reply = asList(call(out, in, "SCAN", cursor, "MATCH", "*" + prefix + "*", "COUNT", "1000"));
                cursor = (String) reply.get(0);
                for (Object key : asList(reply.get(1))) {
                    call(out, in, "DEL", (String) key);
                }
            } while (!cursor.equals("0"));
        } catch (IOException | RuntimeException e) {
            Bench.log("redis keys %s* not deleted: %s", prefix, e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o) {
        return (List<Object>) o;
    }

    private static Object call(OutputStream out, InputStream in, String... parts) throws IOException {
        StringBuilder b = new StringBuilder("*").append(parts.length).append("\r\n");
        for (String p : parts) {
            b.append('$').append(p.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(p).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        return read(in);
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        return switch (type) {
            case '+', ':' -> line;
            case '-' -> throw new IOException("redis: " + line);
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield null;
                }
                byte[] b = in.readNBytes(n + 2);
                yield new String(b, 0, n, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                yield items;
            }
            default -> throw new IOException("unexpected RESP type " + type);
        };
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("redis closed the connection");
            }
            b.append((char) c);
        }
        in.read();
        return b.toString();
    }
}
