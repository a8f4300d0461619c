package dev.baton.coordinator.http;

import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.service.LeaseService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * Worker endpoints of docs/protocol.md. They run on virtual threads, so a long-polling claim parks a
 * virtual thread, not a platform thread, and holds no database connection while it waits.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class WorkerController {
    private final LeaseService leases;

    public WorkerController(LeaseService leases) {
        this.leases = leases;
    }

    @Post("/claims")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Responses.Jobs claim(@Nullable @Body Requests.Claim body) throws InterruptedException {
        return new Responses.Jobs(leases.claim(RequestBodyReader.orEmpty(body, Requests.Claim.class)));
    }

    @Post("/jobs/{id}/heartbeat")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Responses.HeartbeatAnswer heartbeat(@PathVariable String id, @Nullable @Body Requests.Heartbeat body) {
        return leases.heartbeat(id, RequestBodyReader.orEmpty(body, Requests.Heartbeat.class));
    }

    @Post("/jobs/{id}/complete")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Job complete(@PathVariable String id, @Nullable @Body Requests.Complete body) {
        return leases.complete(id, RequestBodyReader.orEmpty(body, Requests.Complete.class));
    }

    @Post("/jobs/{id}/fail")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Job fail(@PathVariable String id, @Nullable @Body Requests.Fail body) {
        return leases.fail(id, RequestBodyReader.orEmpty(body, Requests.Fail.class));
    }

    /** {@code Prefer: return=minimal} (RFC 7240) leaves the job out of each item that succeeded. */
    @Post("/completions")
    @Allowed({Role.ADMIN, Role.WORKER})
    public HttpResponse<Responses.CompletionResults> completions(@Nullable @Header("Prefer") String prefer,
                                                                  @Nullable @Body Requests.Completions body) {
        boolean minimal = prefersMinimal(prefer);
        MutableHttpResponse<Responses.CompletionResults> answer = HttpResponse.ok(new Responses.CompletionResults(
                leases.completeMany(RequestBodyReader.orEmpty(body, Requests.Completions.class), minimal)));
        return minimal ? answer.header("Preference-Applied", "return=minimal") : answer;
    }

    /** Whether a {@code Prefer} header (RFC 7240: comma-separated, tokens case-insensitive) asks for return=minimal. */
    static boolean prefersMinimal(@Nullable String prefer) {
        if (prefer == null) {
            return false;
        }
        for (String preference : prefer.split(",")) {
            String p = preference.split(";", 2)[0].strip().replace(" ", "");
            if (p.equalsIgnoreCase("return=minimal") || p.equalsIgnoreCase("return=\"minimal\"")) {
                return true;
            }
        }
        return false;
    }
}
