package dev.baton.coordinator.dashboard;

import dev.baton.common.Responses.FieldError;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.service.JobService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Enqueueing a job from a form, through the service POST /jobs uses (its checks; a job with the
 * uniqueKey of an active one is not enqueued twice: the page then opens that one). A refused form
 * comes back as typed, with a message per field. Only an admin's session may send it.
 */
@Controller("/ui/enqueue")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class EnqueuePage {
    private final JobService jobs;
    private final Pages pages;

    public EnqueuePage(JobService jobs, Pages pages) {
        this.jobs = jobs;
        this.pages = pages;
    }

    @Get
    @Anonymous
    public HttpResponse<?> form(HttpRequest<?> request) {
        return page(request, HttpStatus.OK, EnqueueForm.EMPTY, List.of());
    }

    @Post(consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> enqueue(HttpRequest<?> request, @Nullable @Body Map<String, String> body) {
        EnqueueForm form = EnqueueForm.of(body);
        try {
            JobService.Enqueued e = jobs.enqueue(form.request(), null);
            return HttpResponse.seeOther(URI.create("/ui/jobs/" + Show.enc(e.job().id()) + "?done="
                    + (e.created() ? "enqueued" : "deduplicated")));
        } catch (BatonException e) {
            if (e.code() != ErrorCode.INVALID_REQUEST) {
                throw e;
            }
            return page(request, HttpStatus.BAD_REQUEST, form, e.errors());
        }
    }

    private HttpResponse<?> page(HttpRequest<?> request, HttpStatus status, EnqueueForm form, List<FieldError> errors) {
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.of(UiSession.of(request), "enqueue"));
        params.put("form", form);
        params.put("errors", errors == null ? List.of() : errors);
        return pages.page(status, "enqueue", params);
    }
}
