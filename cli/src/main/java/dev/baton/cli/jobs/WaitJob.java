package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.JobSummary;
import dev.baton.cli.output.Text;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "wait", description = {"Block until the job is finished, then print it.",
        "Exit code: 0 succeeded, 10 failed, 11 cancelled, 12 still not finished after --timeout."})
final class WaitJob extends BatonCommand {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up after this long (30s, 10m; default: wait for ever).")
    String timeout;

    @Override
    public Integer call() throws InterruptedException {
        Duration limit = timeout == null ? null : Args.duration(timeout);
        api().get("/api/v1/jobs/" + ApiClient.encode(id)); // a job that does not exist is 404 before any wait
        // The stream is read on its own thread so that --timeout can give up on it.
        FutureTask<String> waiting = new FutureTask<>(() -> LogFollower.follow(api(), id, line -> { }));
        Thread t = Thread.ofPlatform().daemon().name("baton-wait-" + id).start(waiting);
        try {
            if (limit == null) {
                waiting.get();
            } else {
                waiting.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            t.interrupt();
            JsonNode job = api().get("/api/v1/jobs/" + ApiClient.encode(id));
            print().value(job, () -> print().out().println(Text.visible(JobSummary.line(job, print().times()))));
            print().note("(job " + id + " not finished after " + timeout + ")");
            return ExitCodes.WAIT_TIMED_OUT;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CliException ce) {
                throw ce;
            }
            throw new CliException(ExitCodes.FAILED, "waiting for job " + id + ": " + Failures.reason(e.getCause()), e.getCause());
        }
        JsonNode job = api().get("/api/v1/jobs/" + ApiClient.encode(id));
        print().value(job, () -> print().out().println(Text.visible(JobSummary.line(job, print().times()))));
        return switch (job.path("status").asText()) {
            case "succeeded" -> ExitCodes.OK;
            case "failed" -> ExitCodes.JOB_FAILED;
            case "cancelled" -> ExitCodes.JOB_CANCELLED;
            default -> ExitCodes.FAILED;
        };
    }
}
