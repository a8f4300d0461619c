package dev.baton.coordinator.testing;

import dev.baton.common.net.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy a test can cut and restore, to take a server away from a coordinator: cut
 * as a stopped server (connections reset, new ones refused) or black-holed as a silent network
 * partition (nothing reset, nothing answered).
 */
public final class TcpProxy implements AutoCloseable {
    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final InetAddress address;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile boolean closed;
    private volatile boolean blackholed;
    private volatile long delayMs;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this(InetAddress.getLoopbackAddress(), targetHost, targetPort);
    }

    /**
     * One listening on {@code address} (another loopback address such as 127.0.0.2: a host name
     * a server's TLS certificate does not name, yet the same server).
     */
    public TcpProxy(InetAddress address, String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.address = address;
        // Below the ephemeral range (Ports): while cut, the kernel cannot hand the port to an
        // outgoing connection (a client reconnecting here may even connect to itself), so
        // restore() binds it again.
        this.port = Ports.pick();
        this.server = listen();
        startAccepting(server);
    }

    /** A proxy in front of the server a URL names ({@code jdbc:postgresql://…} or {@code redis://…}). */
    public static TcpProxy before(String url) throws IOException {
        URI u = URI.create(url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url);
        return new TcpProxy(u.getHost(), u.getPort());
    }

    /** {@code url} with its host and port replaced by this proxy's. */
    public String via(String url) {
        String prefix = url.startsWith("jdbc:") ? "jdbc:" : "";
        URI u = URI.create(url.substring(prefix.length()));
        return prefix + u.getScheme() + "://127.0.0.1:" + port + u.getRawPath()
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    public int port() {
        return port;
    }

    /** Drops every connection and refuses new ones. */
    public synchronized void cut() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
    }

    /**
     * A silent partition: every connection stays open and what is sent on it, either way, is read
     * and dropped; new connections are accepted and forwarded nowhere. No reset, no answer.
     */
    public void blackhole() {
        blackholed = true;
    }

    /** Holds every chunk {@code ms} before forwarding it, either way (0: none): a slow link that answers. */
    public void slow(long ms) {
        delayMs = ms;
    }

    /**
     * Forwards again: after {@link #cut}, accepts connections again on the same port; after
     * {@link #blackhole}, closes the connections that lost bytes in it (they cannot go on) and
     * forwards new ones.
     */
    public synchronized void restore() throws IOException {
        if (blackholed) {
            blackholed = false;
            for (Socket s : sockets) {
                s.close();
            }
            sockets.clear();
            return;
        }
        server = listen();
        startAccepting(server);
    }

    private ServerSocket listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(address, port), 50);
        return s;
    }

    private void startAccepting(ServerSocket s) {
        Thread.ofPlatform().daemon().name("proxy-accept-" + port).start(() -> {
            while (!closed && !s.isClosed()) {
                try {
                    Socket client = s.accept();
                    if (blackholed) {
                        sockets.add(client);
                        pipe(client, null);
                        continue;
                    }
                    Socket upstream = new Socket(targetHost, targetPort);
                    // A connection accepted just before cut() closed the listener must not slip
                    // past it: it is registered (or dropped) under the lock cut() holds.
                    synchronized (this) {
                        if (s.isClosed()) {
                            client.close();
                            upstream.close();
                            continue;
                        }
                        sockets.add(client);
                        sockets.add(upstream);
                    }
                    pipe(client, upstream);
                    pipe(upstream, client);
                } catch (IOException e) {
                    // closed by cut(), or the target is down: the client sees a dropped connection
                }
            }
        });
    }

    /** Copies {@code from} to {@code to} while not black-holed; drops what it reads otherwise, or when {@code to} is null. */
    private void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long delay = delayMs;
                    if (delay > 0) {
                        Thread.sleep(delay);
                    }
                    if (!blackholed && to != null) {
                        to.getOutputStream().write(buf, 0, n);
                        to.getOutputStream().flush();
                    }
                }
            } catch (IOException ignored) {
                // one side went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    from.close();
                    if (to != null) {
                        to.close();
                    }
                } catch (IOException ignored) {
                    // already closed
                }
            }
        });
    }

    @Override
    public void close() throws IOException {
        closed = true;
        cut();
    }
}
