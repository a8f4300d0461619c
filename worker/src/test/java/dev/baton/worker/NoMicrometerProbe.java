package dev.baton.worker;

import java.util.concurrent.Callable;

/** Builds and closes a worker without a registry; WorkerMetricsTest runs it where Micrometer cannot load. */
public final class NoMicrometerProbe implements Callable<String> {
    @Override
    public String call() {
        Worker w = Worker.builder().coordinators("http://127.0.0.1:1").token("t")
                .handler("x", ctx -> null).shutdownGrace(java.time.Duration.ZERO).build().start();
        int running = w.runningJobs();
        w.close();
        return "ran, running " + running;
    }
}
