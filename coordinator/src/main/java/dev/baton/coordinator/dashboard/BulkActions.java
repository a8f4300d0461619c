package dev.baton.coordinator.dashboard;

import dev.baton.common.Job;
import dev.baton.common.JobStatus;
import dev.baton.common.Requests;
import dev.baton.common.Responses.BulkFailed;
import dev.baton.common.Responses.BulkResult;
import dev.baton.common.Responses.BulkSucceeded;
import dev.baton.common.Responses.JobPage;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Actor;
import dev.baton.coordinator.service.JobService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cancel or retry many jobs from the jobs page, through POST /jobs/bulk's service: the rows ticked
 * (each at the version the page showed, so a job that changed meanwhile is refused, never acted on
 * blindly), or every job matching the filter, after a page that says how many and asks again.
 * Either way the page that follows lists what each operation did.
 */
@Controller("/ui/jobs/bulk")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class BulkActions {
    /** At most this many jobs a "matching" action takes (its page says so when there are more). */
    static final int MAX_MATCHING = 10_000;
    private static final String ROW = "job_";
    private static final Map<String, List<JobStatus>> APPLIES = Map.of(
            "cancel", List.of(JobStatus.QUEUED, JobStatus.RUNNING),
            "retry", List.of(JobStatus.FAILED, JobStatus.CANCELLED));
    private final JobService jobs;
    private final Pages pages;

    public BulkActions(JobService jobs, Pages pages) {
        this.jobs = jobs;
        this.pages = pages;
    }

    /** {@code action}: cancel or retry the ticked rows ({@code job_<id>} = the version shown). */
    @Post(value = "/selected", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> selected(HttpRequest<?> request, @Nullable @Body Map<String, String> form) {
        String action = action(form);
        List<Requests.BulkOperation> ops = new ArrayList<>();
        form.forEach((name, version) -> {
            if (name.startsWith(ROW)) {
                ops.add(new Requests.BulkOperation(name.substring(ROW.length()), action, version(version), null));
            }
        });
        if (ops.isEmpty()) {
            throw BatonException.invalid("jobs", "tick at least one job");
        }
        // newest first, as the page lists them (ids are numbers; anything else is refused per item)
        ops.sort(Comparator.comparing((Requests.BulkOperation o) -> o.id().length()).thenComparing(Requests.BulkOperation::id)
                .reversed());
        return done(request, action, jobs.bulk(new Requests.Bulk(ops), actor(request)), JobFilterForm.of(form));
    }

    /**
     * {@code action}: cancel or retry every job the filter matches that the action applies to;
     * without {@code confirm=yes}, a page that counts them and asks.
     */
    @Post(value = "/matching", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> matching(HttpRequest<?> request, @Nullable @Body Map<String, String> form) {
        String action = action(form);
        JobFilterForm filter = JobFilterForm.of(form);
        boolean confirmed = "yes".equals(form.get("confirm"));
        // confirmed: only the jobs the count could have seen (none enqueued after it)
        List<String> ids = matching(filter, action, confirmed ? upTo(form) : null);
        if (!confirmed) {
            Map<String, Object> params = new HashMap<>();
            params.put("frame", Frame.of(UiSession.of(request), "jobs"));
            params.put("action", action);
            params.put("count", ids.size());
            params.put("capped", ids.size() == MAX_MATCHING);
            params.put("statuses", String.join(" or ", APPLIES.get(action).stream().map(JobStatus::wire).toList()));
            params.put("fields", filter.fields());
            params.put("upTo", ids.isEmpty() ? "0" : ids.getFirst());
            params.put("back", filter.link(null));
            return pages.ok("bulkConfirm", params);
        }
        List<BulkSucceeded> succeeded = new ArrayList<>();
        List<BulkFailed> failed = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += 1000) {
            List<Requests.BulkOperation> ops = ids.subList(from, Math.min(ids.size(), from + 1000)).stream()
                    .map(id -> new Requests.BulkOperation(id, action, null, null)).toList();
            BulkResult r = jobs.bulk(new Requests.Bulk(ops), actor(request));
            succeeded.addAll(r.succeeded());
            failed.addAll(r.failed());
        }
        return done(request, action, new BulkResult(succeeded, failed), filter);
    }

    /**
     * The ids (newest first) of the jobs matching {@code filter} in a status {@code action} applies
     * to, no newer than {@code upTo} (null: any).
     */
    private List<String> matching(JobFilterForm filter, String action, Long upTo) {
        List<JobStatus> statuses = APPLIES.get(action);
        JobStatus asked = status(filter.status());
        if (asked != null && !statuses.contains(asked)) {
            throw BatonException.invalid("status", action + " applies to " + statuses.stream().map(JobStatus::wire)
                    .toList() + " jobs only, not to " + asked.wire() + " ones");
        }
        List<Long> ids = new ArrayList<>();
        for (JobStatus status : asked == null ? statuses : List.of(asked)) {
            Long before = upTo == null ? null : upTo + 1;
            while (ids.size() < MAX_MATCHING) {
                JobPage page = jobs.list(filter.toFilter(status, before, 1000));
                for (Job j : page.items()) {
                    ids.add(Long.parseLong(j.id()));
                }
                if (page.nextCursor() == null || page.items().isEmpty()) {
                    break;
                }
                before = Long.parseLong(page.items().getLast().id());
            }
        }
        ids.sort((a, b) -> Long.compare(b, a));
        return ids.subList(0, Math.min(ids.size(), MAX_MATCHING)).stream().map(String::valueOf).toList();
    }

    private HttpResponse<?> done(HttpRequest<?> request, String action, BulkResult result, JobFilterForm filter) {
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "jobs"));
        params.put("action", action);
        params.put("result", result);
        params.put("back", filter.link(null));
        return pages.ok("bulkResult", params);
    }

    private static String action(Map<String, String> form) {
        String action = form == null ? null : form.get("action");
        if (action == null || !APPLIES.containsKey(action)) {
            throw BatonException.invalid("action", "must be cancel or retry");
        }
        return action;
    }

    private static JobStatus status(String wire) {
        try {
            return wire == null ? null : JobStatus.fromWire(wire);
        } catch (IllegalArgumentException e) {
            throw BatonException.invalid("status", "is not a job status");
        }
    }

    private static Long upTo(Map<String, String> form) {
        try {
            long upTo = Long.parseLong(form.getOrDefault("upTo", "").strip());
            if (upTo >= 0 && upTo < Long.MAX_VALUE) {
                return upTo;
            }
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw BatonException.invalid("upTo", "must be the newest job id the confirmation counted");
    }

    private static Long version(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw BatonException.invalid("version", "must be a job's version");
        }
    }

    private static Actor actor(HttpRequest<?> request) {
        return Actor.of(UiSession.of(request).caller().name());
    }
}
