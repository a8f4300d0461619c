package dev.baton.chaos.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against an echo server. */
class LinkProxyTest {
    private ServerSocket echo;
    private LinkProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0);
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException ignored) {
                            // gone
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        proxy = new LinkProxy("test", 0, echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", proxy.port());
        s.setSoTimeout(1000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes());
        out.flush();
        InputStream in = s.getInputStream();
        return new String(in.readNBytes(text.length()));
    }

    @Test
    void forwardsCutsAndRestores() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "hello")).isEqualTo("hello");
            proxy.cut();
            assertThatThrownBy(() -> {
                roundTrip(s, "again");
                roundTrip(s, "again");
            }).isInstanceOf(IOException.class);
        }
        assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);
        proxy.restore();
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "back")).isEqualTo("back");
        }
    }

    @Test
    void blackholeForwardsNothingAndClosesNothingUntilRestored() throws IOException {
        try (Socket old = connect()) {
            assertThat(roundTrip(old, "one")).isEqualTo("one");
            proxy.blackhole();
            assertThatThrownBy(() -> roundTrip(old, "two")).isInstanceOf(SocketTimeoutException.class);
            try (Socket fresh = connect()) {
                assertThatThrownBy(() -> roundTrip(fresh, "three")).isInstanceOf(SocketTimeoutException.class);
            }
            proxy.restore();
            // the black-holed connection is closed on restore: EOF or reset
            assertThatThrownBy(() -> {
                if (old.getInputStream().read() < 0) {
                    throw new IOException("EOF");
                }
            }).isInstanceOf(IOException.class);
        }
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "four")).isEqualTo("four");
        }
    }

    @Test
    void slowDelaysEachChunk() throws IOException {
        proxy.slow(200);
        try (Socket s = connect()) {
            long start = System.nanoTime();
            assertThat(roundTrip(s, "x")).isEqualTo("x");
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(390); // both ways
            proxy.restore();
            start = System.nanoTime();
            assertThat(roundTrip(s, "y")).isEqualTo("y");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(150);
        }
    }

    @Test
    void refusesWhileTheServerIsDownUnlessBlackHoled() throws IOException {
        proxy.targetDown();
        assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);
        proxy.blackhole();
        try (Socket s = connect()) {
            assertThatThrownBy(() -> roundTrip(s, "x")).isInstanceOf(SocketTimeoutException.class);
        }
        proxy.restore();
        assertThatThrownBy(this::connect).isInstanceOf(ConnectException.class);
        proxy.targetUp();
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "up")).isEqualTo("up");
        }
    }

    @Test
    void resetOnceDropsCurrentConnectionsOnly() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "a")).isEqualTo("a");
            proxy.resetOnce();
            assertThatThrownBy(() -> {
                roundTrip(s, "b");
                roundTrip(s, "b");
            }).isInstanceOf(IOException.class);
        }
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "c")).isEqualTo("c");
        }
    }
}
