package dev.baton.worker;

import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs from Baton. Claims exactly as many jobs as it has free slots (long-polling while
 * there is no work), each claim carrying the jobs finished meanwhile; runs each job on a virtual
 * thread, and on {@link #close()} stops claiming and lets running jobs finish within the grace
 * period.
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
    /** Claim loops: while one claim is in flight, the next gathers the jobs finishing meanwhile. */
    private static final int LANES = 2;
    /** Jobs finishing less than this apart go on one claim (see {@link Completions#linger}). */
    private static final long LINGER_GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final long LINGER_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
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
    private final MisconfiguredLines misconfigured = new MisconfiguredLines();
    /** False once a coordinator refused completions on a claim (an older one): they go alone. */
    private volatile boolean carrying = true;
    private List<Thread> pollers;

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
        if (pollers == null) {
            List<Thread> started = new ArrayList<>();
            for (int i = 0; i < Math.min(LANES, concurrency); i++) {
                started.add(Thread.ofPlatform().name("baton-poller-" + i).start(this::pollLoop));
            }
            pollers = List.copyOf(started);
            LOG.info("worker {} polling queues {} for {} with {} slots", workerId, queues, handlers.keySet(), concurrency);
        }
        return this;
    }

    public int runningJobs() {
        return running.get();
    }

    /** Jobs completed so far, and how many of them rode on a claim rather than a POST /completions of their own. */
    long completed() {
        return completions.items();
    }

    long completedOnClaims() {
        return completions.carried();
    }

    /**
     * One of the worker's claim loops ({@link #LANES} of them, so that one claim is in flight while
     * the next gathers). Each claims for the slots it reserved: all free when it looks, at most 100
     * (a job's slot frees once its handler returned and its outcome is handed over; what a claim
     * did not fill is freed with its answer). Each claim carries the completions waiting at that
     * moment (after letting a burst of finishing jobs gather) and does not wait; with nothing to
     * carry it claims at once after a claim that got all it asked for (a backlog), and otherwise
     * long-polls, while the completions sender sends what finishes meanwhile. With no slot free it
     * waits for one.
     */
    private void pollLoop() {
        Completions.Carrier carrier = completions.carrier();
        try {
            claimLoop(carrier);
        } finally {
            carrier.set(false);
        }
    }

    private void claimLoop(Completions.Carrier carrier) {
        List<String> types = new ArrayList<>(handlers.keySet());
        int failures = 0;
        boolean backlog = false;
        boolean skipCarry = false;
        while (!stopping) {
            int reserved;
            try {
                if (slots.availablePermits() == 0) {
                    if (carrying) {
                        completions.awaitCarrying(carrier, () -> stopping || slots.availablePermits() > 0);
                    } else {
                        carrier.set(false);
                        slots.acquire();
                        slots.release();
                    }
                }
                if (carrying && running.get() > 0 && completions.waiting() > 0) {
                    completions.linger(carrier, LINGER_GAP_NANOS, LINGER_MAX_NANOS, () -> running.get() == 0);
                }
            } catch (InterruptedException e) {
                return;
            }
            if (stopping) {
                return;
            }
            reserved = reserve(100);
            if (reserved == 0) { // another loop took them
                continue;
            }
            Completions.Carried carried = completions.take(carrying && !skipCarry ? Completions.MAX_BATCH : 0);
            skipCarry = false;
            boolean atOnce = !carried.isEmpty() || backlog;
            carrier.set(carrying && atOnce);
            List<Job> jobs;
            try {
                Responses.Jobs answer = client.claimCarrying(new Requests.Claim(workerId, queues, types, reserved,
                        atOnce ? 0L : CLAIM_WAIT_MS, leaseMs, carried.items()));
                carried.settle(answer.completions());
                jobs = answer.jobs();
                if (jobs.size() > reserved) { // never, by protocol: run no more than the slots reserved
                    LOG.error("a coordinator handed out {} jobs for a claim of {}; the {} beyond it wait out their leases",
                            jobs.size(), reserved, jobs.size() - reserved);
                    jobs = jobs.subList(0, reserved);
                }
                backlog = jobs.size() >= reserved;
                failures = 0;
                misconfigured.mended();
            } catch (BatonClient.Misconfigured e) {
                unreserve(reserved);
                carried.giveBack(carrier);
                misconfigured.failed(e);
                if (!backOff(carrier, Retry.delayMs(failures++, 200, 5000))) {
                    return;
                }
                metrics.requestRetried();
                continue;
            } catch (BatonClient.Unavailable e) {
                unreserve(reserved);
                carried.giveBack(carrier);
                LOG.warn("claim failed: {}", e.getMessage());
                if (!backOff(carrier, Retry.delayMs(failures++, 200, 5000))) {
                    return;
                }
                metrics.requestRetried();
                continue;
            } catch (BatonClient.Rejected e) {
                unreserve(reserved);
                if (!carried.isEmpty()) {
                    // Refused whole for what it carried (too large, say): they go alone, where a batch
                    // refused whole is split; the claim is tried again at once without them.
                    carried.sendAlone();
                    if (e.status == 400 && e.getMessage().contains("completions: unknown field")) {
                        LOG.warn("this coordinator takes no completions on claims ({}); they go alone from now on",
                                e.getMessage());
                        carrying = false;
                    } else {
                        LOG.warn("claim carrying {} completion(s) refused ({}); they go alone", carried.size(),
                                e.getMessage());
                    }
                    skipCarry = true;
                    continue;
                }
                LOG.error("claim refused: {}", e.getMessage());
                if (!backOff(carrier, 5000)) {
                    return;
                }
                continue;
            } catch (RuntimeException e) {
                unreserve(reserved);
                carried.giveBack(carrier);
                // A bug or an answer nobody expected must not end claiming for good.
                LOG.error("claim failed unexpectedly", e);
                if (!backOff(carrier, Retry.delayMs(failures++, 200, 5000))) {
                    return;
                }
                metrics.requestRetried();
                continue;
            }
            unreserve(reserved - jobs.size());
            // Claimed jobs are ours even if we are stopping: run them rather than let their leases lapse.
            for (Job job : jobs) {
                running.incrementAndGet();
                AtomicBoolean freed = new AtomicBoolean();
                Runnable free = () -> {
                    if (freed.compareAndSet(false, true)) {
                        freeSlot();
                    }
                };
                jobThreads.execute(() -> {
                    try {
                        new JobRun(job, client, completions, leaseMs, timers, metrics, tracing)
                                .onFinished(free)
                                .run(handlers.get(job.type()));
                    } catch (RuntimeException e) {
                        LOG.error("job {} crashed the worker's run loop", job.id(), e);
                    } finally {
                        free.run();
                    }
                });
            }
        }
    }

    /**
     * A configuration error (TLS) is said at ERROR once for the worker, not once per claim loop,
     * then once a minute while it lasts, and tried again like an outage (a certificate renewed on
     * the coordinator mends it without a restart here; the sleep stays short so close() is not held up).
     */
    private static final class MisconfiguredLines {
        private long since;
        private long logged;

        synchronized void failed(BatonClient.Misconfigured e) {
            long now = System.nanoTime();
            if (since == 0 || now - logged >= MISCONFIGURED_LOG_EVERY.toNanos()) {
                LOG.error("claim failed{}: {}", since == 0 ? "" : " (still, for "
                        + Duration.ofNanos(now - since).toSeconds() + " s)", e.getMessage());
                logged = now;
                since = since == 0 ? now : since;
            }
        }

        synchronized void mended() {
            if (since != 0) {
                LOG.info("claims work again");
                since = 0;
            }
        }
    }

    /** Takes up to {@code max} free slots for one claim; what it does not fill goes back with {@link #unreserve}. */
    private int reserve(int max) {
        int taken = 0;
        while (taken < max && slots.tryAcquire()) {
            taken++;
        }
        return taken;
    }

    private void unreserve(int n) {
        if (n > 0) {
            slots.release(n);
            completions.nudge();
        }
    }

    /** A job's handler is done and its outcome handed over: its slot takes the next job. */
    private void freeSlot() {
        running.decrementAndGet();
        slots.release();
        completions.nudge();
    }

    /** Sleeps after a failed claim; meanwhile completions go alone. False when interrupted. */
    private boolean backOff(Completions.Carrier carrier, long ms) {
        carrier.set(false);
        return Retry.sleep(ms);
    }

    /** Stops claiming, waits up to the grace period for running jobs, then interrupts what is left. */
    @Override
    public void close() {
        LOG.info("worker {} stopping: no more claims; {} running job(s) get up to {} ms", workerId, running.get(),
                shutdownGrace.toMillis());
        stopping = true;
        completions.nudge();
        List<Thread> ps;
        synchronized (this) {
            ps = pollers == null ? List.of() : pollers;
        }
        try {
            long joinBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLAIM_WAIT_MS + 20_000);
            for (Thread p : ps) {
                p.join(Duration.ofNanos(Math.max(1, joinBy - System.nanoTime())));
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
            LOG.info("worker {} stopped: {} job(s) completed in {} request(s) (claims carrying them, POST /completions)",
                    workerId,
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
