package dev.baton.chaos.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A loopback TCP proxy in front of one server, with the faults of a network link: {@link #cut}
 * (connections reset, new ones refused), {@link #blackhole} (a silent partition: nothing forwarded,
 * nothing closed), {@link #slow} (latency) and {@link #resetOnce}. Every connection is two pumps
 * per direction on virtual threads: a reader that stamps each chunk with the time it may leave,
 * and a writer that sends it then, so latency delays chunks without throttling them.
 */
public final class LinkProxy implements AutoCloseable {
    private enum Mode { FORWARD, CUT, BLACKHOLE }

    private static final byte[] EOF = new byte[0];

    private final String name;
    private final int port;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile int targetPort;
    private volatile Mode mode = Mode.FORWARD;
    private volatile long delayMs;
    private volatile ServerSocket server;
    private volatile boolean listening;
    /** The server behind is down (killed, stopped): connections are refused as they would be. */
    private volatile boolean targetDown;
    private volatile boolean closed;
    private volatile Thread acceptor;

    /** Listens on {@code port} (0: any free one) of the loopback address and forwards to {@code targetPort}. */
    public LinkProxy(String name, int port, int targetPort) throws IOException {
        this.name = name;
        this.targetPort = targetPort;
        this.server = listen(port);
        this.port = server.getLocalPort();
        this.listening = true;
        startAccepting(server);
    }

    public int port() {
        return port;
    }

    public String name() {
        return name;
    }

    /** Resets every connection and refuses new ones (connection refused) until {@link #restore}. */
    public synchronized void cut() throws IOException {
        if (closed || mode == Mode.CUT) {
            return;
        }
        mode = Mode.CUT;
        syncListener();
        resetAll();
    }

    /**
     * A silent partition: every connection stays open, and whatever either side sends is read and
     * dropped; new connections are accepted and get nothing either. No RST, no FIN.
     */
    public synchronized void blackhole() throws IOException {
        if (closed) {
            return;
        }
        mode = Mode.BLACKHOLE;
        syncListener();
        for (Connection c : connections) {
            c.blackholed = true;
        }
    }

    /** Forwards, but each chunk leaves {@code delay} ms after it arrived, until {@link #restore}. */
    public synchronized void slow(long delay) throws IOException {
        restore();
        delayMs = Math.max(0, delay);
    }

    /**
     * Back to forwarding, with no delay, for new connections. Connections that were black-holed are
     * closed (what they lost leaves their streams corrupt); others go on.
     */
    public synchronized void restore() throws IOException {
        if (closed) {
            return;
        }
        delayMs = 0;
        mode = Mode.FORWARD;
        syncListener();
        for (Connection c : connections) {
            if (c.blackholed) {
                c.close(false);
            }
        }
    }

    /**
     * The server behind went away (its process was killed or stopped): as a client would find it
     * without the proxy, new connections are refused and current ones reset, unless the link is
     * black-holed (then nothing tells the client anything).
     */
    public synchronized void targetDown() throws IOException {
        targetDown = true;
        if (closed || mode == Mode.BLACKHOLE) {
            return;
        }
        syncListener();
        resetAll();
    }

    /** The server behind is back (or being started): connections are accepted again. */
    public synchronized void targetUp() throws IOException {
        targetDown = false;
        if (!closed) {
            syncListener();
        }
    }

    /** Listens unless cut, or unless the server is down and nothing hides it. */
    private void syncListener() throws IOException {
        boolean listen = mode == Mode.BLACKHOLE || (mode != Mode.CUT && !targetDown);
        if (listen && !listening) {
            server = listen(port);
            listening = true;
            startAccepting(server);
        } else if (!listen && listening) {
            listening = false;
            closeQuietly(server);
            // A listener closed while a thread waits in accept() stays open until that thread has
            // left it: until then the kernel still completes connections into its backlog.
            awaitQuietly(acceptor);
        }
    }

    /** Resets every current connection (mid-request, for a client), still accepting new ones. */
    public synchronized void resetOnce() {
        resetAll();
    }

    /** New connections go to {@code newTargetPort}. */
    public void retarget(int newTargetPort) {
        this.targetPort = newTargetPort;
    }

    /** What it does now, for logs. */
    public String state() {
        return (mode == Mode.FORWARD && delayMs > 0 ? "SLOW(" + delayMs + "ms)" : mode.name())
                + (targetDown ? ", server down" : "");
    }

    public int openConnections() {
        return connections.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        listening = false;
        closeQuietly(server);
        awaitQuietly(acceptor);
        resetAll();
    }

    private void resetAll() {
        for (Connection c : connections) {
            c.close(true);
        }
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        return s;
    }

    private void startAccepting(ServerSocket s) {
        acceptor = Thread.ofPlatform().daemon().name("proxy-" + name + "-accept").start(() -> {
            while (!closed && !s.isClosed()) {
                Socket client;
                try {
                    client = s.accept();
                } catch (IOException e) {
                    return; // closed by cut() or close()
                }
                Thread.ofVirtual().name("proxy-" + name + "-connect").start(() -> connect(client));
            }
        });
    }

    private void connect(Socket client) {
        var c = new Connection(client);
        synchronized (this) {
            // A connection accepted as cut() closed the listener must not slip past it.
            if (closed || !listening) {
                c.close(true);
                return;
            }
            connections.add(c);
            if (mode == Mode.BLACKHOLE) {
                c.blackholed = true;
            }
        }
        if (c.blackholed) {
            // Nothing reaches the server: read and drop until restore() or cut() closes it.
            Thread.ofVirtual().start(() -> drain(c));
            return;
        }
        try {
            Socket upstream = new Socket();
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
            c.upstream = upstream;
            if (c.isClosed()) {
                c.close(true);
                return;
            }
        } catch (IOException e) {
            c.close(true); // the server is down: the client sees its connection reset
            return;
        }
        c.pump(client, c.upstream);
        c.pump(c.upstream, client);
    }

    private void drain(Connection c) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = c.client.getInputStream()) {
            while (in.read(buf) >= 0) {
                // dropped
            }
        } catch (IOException ignored) {
            // closed by restore() or cut()
        }
        c.close(false);
    }

    private static void awaitQuietly(Thread t) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed
        }
    }

    private record Chunk(byte[] bytes, long dueNanos) {
    }

    private final class Connection {
        final Socket client;
        volatile Socket upstream;
        volatile boolean blackholed;
        private volatile boolean done;

        Connection(Socket client) {
            this.client = client;
            try {
                client.setTcpNoDelay(true);
            } catch (IOException ignored) {
                // closed already
            }
        }

        boolean isClosed() {
            return done;
        }

        void pump(Socket from, Socket to) {
            BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            Thread.ofVirtual().name("proxy-" + name + "-read").start(() -> {
                byte[] buf = new byte[16 * 1024];
                try {
                    InputStream in = from.getInputStream();
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        if (!blackholed) {
                            queue.add(new Chunk(Arrays.copyOf(buf, n), System.nanoTime() + delayMs * 1_000_000));
                        }
                    }
                } catch (IOException ignored) {
                    // closed
                }
                queue.add(new Chunk(EOF, 0));
            });
            Thread.ofVirtual().name("proxy-" + name + "-write").start(() -> {
                try {
                    OutputStream out = to.getOutputStream();
                    while (true) {
                        Chunk chunk = queue.take();
                        if (chunk.bytes == EOF) {
                            break;
                        }
                        long wait = chunk.dueNanos - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        if (!blackholed) {
                            out.write(chunk.bytes);
                            out.flush();
                        }
                    }
                } catch (IOException | InterruptedException ignored) {
                    // closed
                }
                // One side ended: a black-holed connection stays open until restore() (no FIN).
                if (!blackholed) {
                    close(false);
                }
            });
        }

        /** With {@code reset}, an RST (SO_LINGER 0) instead of a FIN. */
        void close(boolean reset) {
            done = true;
            connections.remove(this);
            for (Socket s : new Socket[] {client, upstream}) {
                if (s == null) {
                    continue;
                }
                if (reset) {
                    try {
                        s.setSoLinger(true, 0);
                    } catch (IOException ignored) {
                        // closed already
                    }
                }
                closeQuietly(s);
            }
        }
    }
}
