package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.http.ApiError;
import dev.baton.cli.output.JobSummary;
import dev.baton.cli.output.Text;
import dev.baton.cli.output.Table;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * An admin action on jobs named by id (one request each), or on every job a filter matches (listed,
 * then sent through {@code POST /jobs/bulk} at the version listed, so a job that changed meanwhile
 * is refused rather than acted on blindly). Several jobs: one result per job, and exit code 1 when
 * any was refused.
 */
abstract class JobAction extends BatonCommand {
    @Parameters(arity = "0..*", paramLabel = "ID", description = "Job ids; or leave them out and give a filter.")
    List<String> ids = new ArrayList<>();

    @Mixin
    JobFilter filter;

    @Mixin
    BulkOptions bulk;

    /** "cancel", "retry", "edit": for messages. */
    abstract String verb();

    /** The bulk operation's {@code action}. */
    abstract String action();

    /** The statuses the action applies to (docs/protocol.md): a bulk lists only jobs in them. */
    abstract List<String> statuses();

    /** The action on one job by its own route; returns the job after it. */
    abstract JsonNode one(String id);

    /** The bulk operation's {@code changes} for {@code job} as listed (null for none). */
    Requests.Patch changes(JsonNode job) {
        return null;
    }

    /** Refuses, with a usage error, options the bulk route cannot carry. */
    void checkBulk() {
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!ids.isEmpty() && !filter.isEmpty()) {
            throw usage("give job ids or a filter, not both");
        }
        if (ids.isEmpty() && filter.isEmpty()) {
            throw usage("give job ids, or a filter (--status, --queue, --type, --label, --since, --search) with --yes");
        }
        return ids.isEmpty() ? byFilter() : byIds();
    }

    private int byIds() throws InterruptedException {
        if (bulk.dryRun) {
            List<JsonNode> jobs = new ArrayList<>();
            for (String id : ids) {
                jobs.add(api().get("/api/v1/jobs/" + ApiClient.encode(id)));
            }
            return dryRun(jobs, ids.size() + " job(s)");
        }
        if (ids.size() == 1) {
            JsonNode job = one(ids.get(0));
            print().value(job, () -> print().out().println(Text.visible(JobSummary.line(job, print().times()))));
            return ExitCodes.OK;
        }
        Pacer pacer = new Pacer(bulk.rps);
        List<JsonNode> results = new ArrayList<>();
        for (String id : ids) {
            pacer.acquire(1);
            ObjectNode r = Json.mapper().createObjectNode();
            r.put("id", id);
            try {
                JsonNode job = one(id);
                r.put("result", "ok");
                r.set("version", job.path("version"));
            } catch (ApiError e) {
                if (e.status() == 503) {
                    return stoppedAfter(results, ids.size(), e);
                }
                r.put("result", "failed");
                r.put("code", e.code() == null ? String.valueOf(e.status()) : e.code());
                r.put("detail", e.detail());
                r.set("job", e.job().isMissingNode() ? null : e.job());
            } catch (CliException e) {
                return stoppedAfter(results, ids.size(), e);
            }
            results.add(r);
        }
        return results(results);
    }

    /**
     * The coordinator stopped answering part way: what was done is shown, then why it stopped, and
     * the exit code is the stop's (6 for an outage). Jobs not reached are left as they were.
     */
    private int stoppedAfter(List<JsonNode> done, int total, CliException why) {
        results(done);
        print().note("stopped after " + done.size() + " of " + total + " job(s); the rest were not sent");
        print().error(why);
        return why.exitCode();
    }

    private int byFilter() throws InterruptedException {
        checkBulk();
        List<String> statuses = statusesListed();
        JobPages.Result found = JobPages.read(api(), filter, statuses, bulk.max == null ? Integer.MAX_VALUE : bulk.max,
                bulk.max == null);
        List<JsonNode> jobs = found.jobs();
        String what = jobs.size() + " job(s) matching " + filter.describe()
                + (filter.status() == null ? " (status " + String.join(" or ", statuses) + ")" : "");
        if (bulk.dryRun) {
            return dryRun(jobs, what);
        }
        if (jobs.isEmpty()) {
            print().note("no job matches " + filter.describe());
            print().list(List.of(), new Table("ID", "RESULT", "VERSION", "CODE", "DETAIL"));
            return ExitCodes.OK;
        }
        if (!bulk.yes) {
            throw usage("this would " + verb() + " " + what + ": add --yes to do it, or --dry-run to list them");
        }
        List<Requests.BulkOperation> ops = new ArrayList<>();
        for (JsonNode j : jobs) {
            ops.add(new Requests.BulkOperation(j.path("id").asText(), action(), j.path("version").asLong(), changes(j)));
        }
        try {
            return results(BulkRunner.run(api(), ops, bulk.rps, line -> {
                if (print().human()) {
                    print().note("(" + line + ")");
                }
            }));
        } catch (BulkRunner.Stopped stopped) {
            return stoppedAfter(stopped.results, ops.size(), stopped.cause);
        }
    }

    /**
     * The statuses a bulk lists: {@code --status} if the action applies to it (else a usage error: no
     * job it matches could be acted on), or every status the action applies to. So the count asked
     * to confirm, the dry run and the results hold only jobs the action can apply to (hostile review, defect 8).
     */
    private List<String> statusesListed() {
        String given = filter.status();
        if (given == null) {
            return statuses();
        }
        if (!statuses().contains(given)) {
            throw usage(verb() + " applies to " + String.join(" or ", statuses()) + " jobs only: --status " + given
                    + " matches none it could " + verb());
        }
        return List.of(given);
    }

    private int dryRun(List<JsonNode> jobs, String what) {
        print().list(jobs, JobRows.table(jobs, print()));
        print().note("(dry run: would " + verb() + " " + what + "; nothing was changed)");
        return ExitCodes.OK;
    }

    private int results(List<JsonNode> results) {
        Table t = new Table("ID", "RESULT", "VERSION", "CODE", "DETAIL");
        int failed = 0;
        for (JsonNode r : results) {
            boolean ok = "ok".equals(r.path("result").asText());
            failed += ok ? 0 : 1;
            t.row(r.path("id").asText(), ok ? "ok" : print().colour().red("failed"),
                    ok ? r.path("version").asText() : r.path("job").path("version").asText("-"),
                    ok ? "-" : r.path("code").asText("-"), ok ? "-" : JobRows.cut(r.path("detail").asText("-"), 80));
        }
        print().list(results, t);
        print().note((results.size() - failed) + " ok, " + failed + " failed");
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
