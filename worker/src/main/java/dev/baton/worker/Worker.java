package dev.baton.worker;

import dev.baton.common.Job;
import dev.baton.common.Requests;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs from Baton. Long-polls for exactly as many jobs as it has free slots, runs each on a
 * virtual thread, and on {@link #close()} stops claiming and lets running jobs finish within the
 * grace period.
 *
 * <pre>
 * Worker worker = Worker.builder()
 *         .coordinators("http://baton-1:8080", "http://baton-2:8080").token(token).queues("default")
 *         .handler("email.send", ctx -> { ctx.info("sending"); return Map.of("sent", true); })
 *         .build();
 * worker.start();
 * </pre>
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final long CLAIM_WAIT_MS = 5_000;
    /** How often a claim failing for a configuration error (TLS) is logged again while it lasts. */
    private static final Duration MISCONFIGURED_LOG_EVERY = Duration.ofMinutes(1);

    private final BatonClient client;
    private final Map<String, JobHandler> handlers;
    private final List<String> queues;
    private final String workerId;
    private final long leaseMs;
    private final Duration shutdownGrace;
    private final int concurrency;
    private final Semaphore slots;
    private final ExecutorService jobThreads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("baton-job-", 0).factory());
    private final Timers timers = new Timers();
    private final Completions completions;
    private final AtomicInteger running = new AtomicInteger();
    private final WorkerMetrics metrics;
    private final JobTracing tracing;
    private volatile boolean stopping;
    private Thread poller;

    private Worker(Builder b) {
        // Micrometer's classes load only when a registry was passed: the library runs without them.
        this.metrics = b.meterRegistry == null ? WorkerMetrics.NONE : new MicrometerWorkerMetrics(b.meterRegistry);
        this.metrics.runningJobs(running::get);
        // Likewise OpenTelemetry's, only when one was passed.
        this.tracing = b.openTelemetry == null ? JobTracing.NONE : new OpenTelemetryJobTracing(b.openTelemetry);
        this.client = new BatonClient(b.coordinators, Objects.requireNonNull(b.token, "token"),
                ClientTls.of(b.tlsCa, b.tlsClientCert, b.tlsClientKey), metrics);
        this.handlers = Map.copyOf(b.handlers);
        this.queues = List.copyOf(b.queues);
        this.workerId = b.workerId;
        this.leaseMs = b.leaseMs;
        this.shutdownGrace = b.shutdownGrace;
        this.concurrency = b.concurrency;
        this.slots = new Semaphore(b.concurrency);
        this.completions = new Completions(client, metrics);
    }

    public static Builder builder() {
        return new Builder();
    }

    public synchronized Worker start() {
        if (poller == null) {
            poller = Thread.ofPlatform().name("baton-poller").start(this::pollLoop);
            LOG.info("worker {} polling queues {} for {} with {} slots", workerId, queues, handlers.keySet(), concurrency);
        }
        return this;
    }

    public int runningJobs() {
        return running.get();
    }

    private void pollLoop() {
        List<String> types = new ArrayList<>(handlers.keySet());
        int failures = 0;
        long misconfiguredSince = 0;
        long misconfiguredLogged = 0;
        while (!stopping) {
            int free = slots.availablePermits();
            if (free == 0) {
                try {
                    slots.acquire();
                    slots.release();
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            List<Job> jobs;
            try {
                jobs = client.claim(new Requests.Claim(workerId, queues, types, Math.min(free, 100), CLAIM_WAIT_MS, leaseMs));
                failures = 0;
                if (misconfiguredSince != 0) {
                    LOG.info("claims work again");
                    misconfiguredSince = 0;
                }
            } catch (BatonClient.Misconfigured e) {
                // A configuration error is said at ERROR, at once and then once a minute while it
                // lasts, and tried again like an outage (a certificate renewed on the coordinator
                // mends it without a restart here; the sleep stays short so close() is not held up).
                long now = System.nanoTime();
                if (misconfiguredSince == 0 || now - misconfiguredLogged >= MISCONFIGURED_LOG_EVERY.toNanos()) {
                    LOG.error("claim failed{}: {}", misconfiguredSince == 0 ? "" : " (still, for "
                            + Duration.ofNanos(now - misconfiguredSince).toSeconds() + " s)", e.getMessage());
                    misconfiguredLogged = now;
                    misconfiguredSince = misconfiguredSince == 0 ? now : misconfiguredSince;
                }
                if (!Retry.sleep(Retry.delayMs(failures++, 200, 5000))) {
                    return;
                }
                metrics.requestRetried();
                continue;
            } catch (BatonClient.Unavailable e) {
                LOG.warn("claim failed: {}", e.getMessage());
                if (!Retry.sleep(Retry.delayMs(failures++, 200, 5000))) {
                    return;
                }
                metrics.requestRetried();
                continue;
            } catch (BatonClient.Rejected e) {
                LOG.error("claim refused: {}", e.getMessage());
                if (!Retry.sleep(5000)) {
                    return;
                }
                continue;
            } catch (RuntimeException e) {
                // A bug or an answer nobody expected must not end claiming for good.
                LOG.error("claim failed unexpectedly", e);
                if (!Retry.sleep(Retry.delayMs(failures++, 200, 5000))) {
                    return;
                }
                metrics.requestRetried();
                continue;
            }
            // Claimed jobs are ours even if we are stopping: run them rather than let their leases lapse.
            for (Job job : jobs) {
                slots.acquireUninterruptibly();
                running.incrementAndGet();
                jobThreads.execute(() -> {
                    try {
                        new JobRun(job, client, completions, leaseMs, timers, metrics, tracing)
                                .run(handlers.get(job.type()));
                    } catch (RuntimeException e) {
                        LOG.error("job {} crashed the worker's run loop", job.id(), e);
                    } finally {
                        running.decrementAndGet();
                        slots.release();
                    }
                });
            }
        }
    }

    /** Stops claiming, waits up to the grace period for running jobs, then interrupts what is left. */
    @Override
    public void close() {
        LOG.info("worker {} stopping: no more claims; {} running job(s) get up to {} ms", workerId, running.get(),
                shutdownGrace.toMillis());
        stopping = true;
        Thread p;
        synchronized (this) {
            p = poller;
        }
        try {
            if (p != null) {
                p.join(CLAIM_WAIT_MS + 20_000);
            }
            jobThreads.shutdown();
            if (!jobThreads.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("{} job(s) still running after the grace period; interrupting them", running.get());
                jobThreads.shutdownNow();
                jobThreads.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            completions.close();
            timers.close();
            client.close();
            metrics.close();
            LOG.info("worker {} stopped: {} job(s) completed in {} POST /completions request(s)", workerId,
                    completions.items(), completions.requests());
        }
    }

    public static final class Builder {
        private final List<URI> coordinators = new ArrayList<>();
        private final Map<String, JobHandler> handlers = new LinkedHashMap<>();
        private List<String> queues = List.of("default");
        private String token;
        private String workerId = defaultWorkerId();
        private int concurrency = 16;
        private long leaseMs = 30_000;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Path tlsCa;
        private Path tlsClientCert;
        private Path tlsClientKey;
        // a MeterRegistry, typed Object so that a worker without Micrometer never loads its classes
        private Object meterRegistry;
        // an OpenTelemetry, typed Object for the same reason
        private Object openTelemetry;

        public Builder coordinators(String... urls) {
            for (String url : urls) {
                coordinators.add(URI.create(url.endsWith("/") ? url : url + "/"));
            }
            return this;
        }

        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder queues(String... queues) {
            this.queues = List.of(queues);
            return this;
        }

        public Builder workerId(String workerId) {
            this.workerId = workerId;
            return this;
        }

        public Builder concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 10_000) {
                throw new IllegalArgumentException("concurrency must be 1..10000");
            }
            this.concurrency = concurrency;
            return this;
        }

        public Builder leaseMs(long leaseMs) {
            if (leaseMs < 1000 || leaseMs > 3_600_000) {
                throw new IllegalArgumentException("leaseMs must be 1000..3600000");
            }
            this.leaseMs = leaseMs;
            return this;
        }

        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * For {@code https://} coordinators: trust only the CAs in this PEM bundle instead of the
         * JDK's default trust store (BATON_TLS_CA). Null: the JDK's.
         */
        public Builder tlsCa(Path caPem) {
            this.tlsCa = caPem;
            return this;
        }

        /**
         * For coordinators that require mutual TLS: present the certificate chain in {@code certPem}
         * with the private key in {@code keyPem} (BATON_TLS_CLIENT_CERT, BATON_TLS_CLIENT_KEY).
         */
        public Builder tlsClientCertificate(Path certPem, Path keyPem) {
            this.tlsClientCert = certPem;
            this.tlsClientKey = keyPem;
            return this;
        }

        /**
         * Records this worker's meters ({@code baton_worker_*}, docs/protocol.md "Worker metrics") in
         * {@code registry}; needs io.micrometer:micrometer-core on the class path (an optional
         * dependency of this library). Without it (the default) the worker records nothing.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /**
         * Runs each handler in a span made with {@code openTelemetry} (docs/protocol.md "Tracing"): a
         * CONSUMER span {@code process <queue>}, current while the handler runs, a child of the
         * context the job was enqueued under on its first attempt and linked to it on later ones.
         * Needs io.opentelemetry:opentelemetry-api on the class path (an optional dependency of this
         * library). Without it (the default) the worker makes no span.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
            return this;
        }

        public Builder handler(String type, JobHandler handler) {
            handlers.put(type, handler);
            return this;
        }

        public Worker build() {
            if (handlers.isEmpty()) {
                throw new IllegalStateException("register at least one handler");
            }
            return new Worker(this);
        }

        static String defaultWorkerId() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "unknown-host";
            }
            return host + "/" + ProcessHandle.current().pid();
        }
    }
}
