package dev.baton.coordinator.dashboard;

import dev.baton.common.Requests;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.service.Actor;
import dev.baton.coordinator.service.JobService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.net.URI;
import dev.baton.common.Responses.Event;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Cancel, retry and edit, each through the service the API uses and always with the version the
 * page showed. A job changed meanwhile answers 409 with the conflict dialog ({@link Conflict}),
 * never a blind overwrite; any other refusal (a move the job's status does not allow, a field the
 * service refuses) is the service's own message on an error page.
 */
@Controller("/ui/jobs")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class JobActions {
    static final int SINCE = 50;
    private final JobService jobs;
    private final Pages pages;

    public JobActions(JobService jobs, Pages pages) {
        this.jobs = jobs;
        this.pages = pages;
    }

    @Post(value = "/{id}/cancel", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> cancel(HttpRequest<?> request, @PathVariable String id,
                                  @Nullable @Body Map<String, String> form) {
        long version = EditForm.version(form);
        String reason = form.get("reason");
        return act(request, id, "cancel", form, "cancelled", () -> jobs.cancel(id,
                new Requests.Cancel(version, reason == null || reason.isBlank() ? null : reason.strip()), actor(request)));
    }

    @Post(value = "/{id}/retry", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> retry(HttpRequest<?> request, @PathVariable String id,
                                 @Nullable @Body Map<String, String> form) {
        long version = EditForm.version(form);
        return act(request, id, "retry", form, "retried",
                () -> jobs.retry(id, new Requests.Retry(version, null, null), actor(request)));
    }

    @Post(value = "/{id}/edit", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> edit(HttpRequest<?> request, @PathVariable String id,
                                @Nullable @Body Map<String, String> form) {
        EditForm edit = EditForm.read(form);
        if (edit.changed().isEmpty()) {
            return done(id, "unchanged");
        }
        Requests.Patch patch = edit.patch();
        try {
            jobs.update(id, patch, actor(request));
            return done(id, "edited");
        } catch (BatonException e) {
            if (e.code() != ErrorCode.VERSION_CONFLICT || e.job() == null) {
                throw e;
            }
            String seenEvent = form.get(Conflict.SEEN_EVENT);
            return conflict(request, Conflict.ofEdit(edit, e.job(), since(id, seenEvent), seenEvent));
        }
    }

    private HttpResponse<?> act(HttpRequest<?> request, String id, String action, Map<String, String> form,
                                String done, Supplier<?> change) {
        try {
            change.get();
            return done(id, done);
        } catch (BatonException e) {
            if (e.code() != ErrorCode.VERSION_CONFLICT || e.job() == null) {
                throw e;
            }
            Map<String, String> seen = new HashMap<>();
            for (String f : Conflict.SEEN) {
                seen.put(f, form.get("seen_" + f));
            }
            seen.put(Conflict.SEEN_EVENT, form.get(Conflict.SEEN_EVENT));
            return conflict(request, Conflict.ofAction(action, EditForm.version(form), seen, e.job(),
                    since(id, form.get(Conflict.SEEN_EVENT))));
        }
    }

    /** The job's events after the one the page last showed (at most {@value #SINCE}); none when it did not say. */
    private List<Event> since(String id, String seenEvent) {
        long after;
        try {
            after = Long.parseLong(seenEvent);
        } catch (NumberFormatException | NullPointerException notSent) {
            return List.of();
        }
        return after < 0 ? List.of() : jobs.events(id, after, SINCE);
    }

    private HttpResponse<?> conflict(HttpRequest<?> request, Conflict conflict) {
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "jobs"));
        params.put("conflict", conflict);
        return pages.page(HttpStatus.CONFLICT, "conflict", params);
    }

    private static HttpResponse<?> done(String id, String what) {
        return HttpResponse.seeOther(URI.create("/ui/jobs/" + Show.enc(id) + "?done=" + what));
    }

    private static Actor actor(HttpRequest<?> request) {
        return Actor.of(UiSession.of(request).caller().name());
    }
}
