package dev.baton.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.client.ApiClient;
import dev.baton.client.ApiException;
import dev.baton.client.api.JobsApi;
import dev.baton.client.api.WorkerApi;
import dev.baton.client.model.Claim;
import dev.baton.client.model.Complete;
import dev.baton.client.model.CompletionItem;
import dev.baton.client.model.Enqueue;
import dev.baton.client.model.Event;
import dev.baton.client.model.EventType;
import dev.baton.client.model.Heartbeat;
import dev.baton.client.model.HeartbeatAnswer;
import dev.baton.client.model.Job;
import dev.baton.client.model.Jobs;
import dev.baton.client.model.Level;
import dev.baton.client.model.LogAppend;
import dev.baton.client.model.LogAppendAnswer;
import dev.baton.client.model.LogEntry;
import dev.baton.client.model.LogLine;
import dev.baton.client.model.ProgressUpdate;
import dev.baton.client.model.Status;
import dev.baton.common.Json;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that OpenAPI Generator makes from the served document (the build generates them in
 * generate-test-sources) run a job's whole life against a real coordinator: the Java one here,
 * the Python one through {@code src/test/python/lifecycle.py}. A document that lies about a
 * response makes the generated client fail to read it.
 */
class GeneratedClientTest {
    private static final Path PYTHON_CLIENT = Path.of("target/generated-clients/python");
    private static final Path LIFECYCLE = Path.of("src/test/python/lifecycle.py");
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(GeneratedClientTest.class, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static String url() {
        return "http://127.0.0.1:" + cluster.coordinator(0).port();
    }

    private static ApiClient client(String token) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(url());
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        return client;
    }

    @Test
    void theJavaClientRunsAWholeLifecycle() throws Exception {
        JobsApi producer = new JobsApi(client(Api.PRODUCER));
        WorkerApi worker = new WorkerApi(client(Api.WORKER));

        Job enqueued = producer.enqueueJob(new Enqueue().queue("java-client").type("java.lifecycle")
                .payload(Map.of("n", 1)).labels(Map.of("client", "java")), null, TRACEPARENT, null);
        assertThat(enqueued.getStatus()).isEqualTo(Status.QUEUED);
        assertThat(enqueued.getVersion()).isEqualTo(1L);
        assertThat(enqueued.getLease()).isNull();

        List<Job> claimed = worker.claimJobs(new Claim().workerId("java-worker").queues(List.of("java-client"))
                .limit(1).waitMs(5000L), null).getJobs();
        assertThat(claimed).hasSize(1);
        Job job = claimed.get(0);
        assertThat(job.getId()).isEqualTo(enqueued.getId());
        assertThat(job.getStatus()).isEqualTo(Status.RUNNING);
        assertThat(job.getLease().getWorkerId()).isEqualTo("java-worker");
        assertThat(job.getTraceparent()).isEqualTo(TRACEPARENT);
        assertThat(job.getAttempt()).isEqualTo(1);
        String lease = job.getLeaseToken();
        assertThat(lease).isNotBlank();

        HeartbeatAnswer beat = worker.heartbeat(job.getId(), new Heartbeat().leaseToken(lease));
        assertThat(beat.getVersion()).isEqualTo(job.getVersion());
        assertThat(beat.getLease().getExpiresAt()).isNotNull();

        long moved = worker.reportProgress(job.getId(), new ProgressUpdate().leaseToken(lease)
                .expectedVersion(job.getVersion()).current(1L).total(2L).message("half way")).getVersion();
        assertThat(moved).isEqualTo(job.getVersion() + 1);
        ProgressUpdate stale = new ProgressUpdate().leaseToken(lease).expectedVersion(job.getVersion()).current(2L);
        assertThatThrownBy(() -> worker.reportProgress(job.getId(), stale))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    JsonNode problem = read(e.getResponseBody());
                    assertThat(problem.path("code").asText()).isEqualTo("version_conflict");
                    assertThat(problem.path("job").path("version").asLong()).isEqualTo(moved);
                });

        LogAppendAnswer logged = worker.appendLogs(job.getId(), new LogAppend().leaseToken(lease)
                .entries(List.of(new LogLine().seq(1).level(Level.INFO).message("hello"))));
        assertThat(logged.getAccepted()).isEqualTo(1);
        assertThat(logged.getDuplicates()).isZero();

        Job done = worker.completeJob(job.getId(), new Complete().leaseToken(lease).result(Map.of("ok", true)));
        assertThat(done.getStatus()).isEqualTo(Status.SUCCEEDED);
        assertThat(done.getResult()).isEqualTo(Map.of("ok", true));

        // A claim carrying a resend of that completion: answered as the first send was, beside the next job.
        Job next = producer.enqueueJob(new Enqueue().queue("java-client").type("java.lifecycle"), null, null, null);
        Jobs refill = worker.claimJobs(new Claim().workerId("java-worker").queues(List.of("java-client")).limit(1)
                .completions(List.of(new CompletionItem().id(job.getId()).leaseToken(lease)
                        .result(Map.of("ok", true)))), "return=minimal");
        assertThat(refill.getJobs()).extracting(Job::getId).containsExactly(next.getId());
        assertThat(refill.getCompletions()).singleElement().satisfies(c -> {
            assertThat(c.getId()).isEqualTo(job.getId());
            assertThat(c.getStatus().getValue()).isEqualTo(200);
        });

        Job read = producer.getJob(job.getId());
        assertThat(read.getStatus()).isEqualTo(Status.SUCCEEDED);
        assertThat(read.getLease()).isNull();
        assertThat(read.getFinishedAt()).isNotNull();
        assertThat(producer.listJobs(null, "java-client", null, List.of("client:java"), null, null, null, null)
                .getItems()).extracting(Job::getId).containsExactly(job.getId());
        List<Event> events = producer.listJobEvents(job.getId(), null, null).getItems();
        assertThat(events).extracting(Event::getType).containsExactly(
                EventType.ENQUEUED, EventType.CLAIMED, EventType.PROGRESS, EventType.COMPLETED);
        assertThat(events.get(0).getFromStatus()).isNull();
        assertThat(events.get(0).getWorkerId()).isNull();
        assertThat(events.get(1).getWorkerId()).isEqualTo("java-worker");
        assertThat(producer.listJobLogs(job.getId(), null, null).getItems())
                .extracting(LogEntry::getMessage).containsExactly("hello");
    }

    @Test
    void thePythonClientRunsAWholeLifecycle() throws Exception {
        assertThat(PYTHON_CLIENT.resolve("baton_client/api/worker_api.py"))
                .as("the build generates the Python client into " + PYTHON_CLIENT).exists();
        Process python;
        try {
            ProcessBuilder pb = new ProcessBuilder("python3", LIFECYCLE.toString(), url(), Api.PRODUCER, Api.WORKER,
                    "python-client").redirectErrorStream(true);
            pb.environment().put("PYTHONPATH", PYTHON_CLIENT.toAbsolutePath().toString());
            python = pb.start();
        } catch (IOException e) {
            throw new AssertionError("python3 is needed to run the generated Python client (pydantic 2, "
                    + "urllib3 2 and python-dateutil installed for it) and could not be started", e);
        }
        python.getOutputStream().close();
        boolean exited = python.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            python.destroyForcibly();
        }
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(exited).as("lifecycle.py finished within 120 s; it printed:\n" + output).isTrue();
        assertThat(python.exitValue()).as("lifecycle.py's exit status; it printed:\n" + output).isZero();
        assertThat(output).startsWith("lifecycle ok ");
        String id = output.strip().substring("lifecycle ok ".length());
        Api.Resp job = cluster.api().get("/api/v1/jobs/" + id, Api.ADMIN);
        assertThat(job.body().path("status").asText()).isEqualTo("succeeded");
        assertThat(job.body().path("result")).isEqualTo(read("{\"ok\":true}"));
    }

    private static JsonNode read(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }
}
