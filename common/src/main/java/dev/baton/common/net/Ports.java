package dev.baton.common.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the cluster's listeners, below the kernel's ephemeral range. A port of that range is
 * free for the kernel to give an outgoing connection while its listener is closed (a proxy cut, a
 * coordinator killed, PostgreSQL stopped), and binding it again would then fail with "address in
 * use"; below the range only a listener of ours takes it.
 */
public final class Ports {
    private static final Set<Integer> TAKEN = new HashSet<>();

    private Ports() {
    }

    public static synchronized int pick() {
        int low = Math.max(10_000, ephemeralLow() - 12_000);
        int high = ephemeralLow();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(low, high);
            if (TAKEN.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                TAKEN.add(port);
                return port;
            } catch (IOException e) {
                // in use: another
            }
        }
        throw new IllegalStateException("no free port in " + low + ".." + high);
    }

    private static int ephemeralLow() {
        try {
            // readString misreads procfs files (their size is 0)
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
