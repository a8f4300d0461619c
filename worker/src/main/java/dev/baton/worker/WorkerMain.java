package dev.baton.worker;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/** {@code java -jar baton-worker.jar}: the built-in handlers, configured by BATON_* environment variables. */
public final class WorkerMain {
    private WorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> env = System.getenv();
        String urls = env.getOrDefault("BATON_COORDINATOR_URLS", "http://127.0.0.1:8080");
        String token = env.get("BATON_WORKER_TOKEN");
        if (token == null || token.isBlank()) {
            System.err.println("Set BATON_WORKER_TOKEN to a worker (or admin) token of the coordinator.");
            System.exit(2);
        }
        Worker.Builder builder = Worker.builder()
                .coordinators(Arrays.stream(urls.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new))
                .token(token.trim())
                .queues(Arrays.stream(env.getOrDefault("BATON_QUEUES", "default").split(",")).map(String::trim)
                        .filter(s -> !s.isEmpty()).toArray(String[]::new))
                .concurrency(Integer.parseInt(env.getOrDefault("BATON_CONCURRENCY", "16")))
                .leaseMs(Long.parseLong(env.getOrDefault("BATON_LEASE_MS", "30000")))
                .shutdownGrace(Duration.ofMillis(Long.parseLong(env.getOrDefault("BATON_SHUTDOWN_GRACE_MS", "30000"))));
        String workerId = env.get("BATON_WORKER_ID");
        if (workerId != null && !workerId.isBlank()) {
            builder.workerId(workerId);
        }
        Worker worker = BuiltInHandlers.register(builder).build().start();
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            main.interrupt();
        }, "worker-drain"));
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            // the drain hook finished: a normal exit after SIGTERM
        }
    }
}
