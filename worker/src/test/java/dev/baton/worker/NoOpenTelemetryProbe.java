package dev.baton.worker;

import dev.baton.common.Requests;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Builds, runs and closes a worker without an OpenTelemetry, and enqueues through its client;
 * WorkerTracingTest runs it where OpenTelemetry cannot load.
 */
public final class NoOpenTelemetryProbe implements Callable<String> {
    @Override
    public String call() {
        Worker w = Worker.builder().coordinators("http://127.0.0.1:1").token("t")
                .handler("x", ctx -> null).shutdownGrace(Duration.ZERO).build().start();
        w.close();
        try {
            new BatonClient(List.of(URI.create("http://127.0.0.1:1/")), "t")
                    .enqueue(new Requests.Enqueue(null, "x", null, null, null, null, null, null, null, null, null));
            return "enqueued?";
        } catch (BatonClient.Unavailable expected) {
            return "ran, enqueue unavailable";
        }
    }
}
