package dev.baton.coordinator.http;

import dev.baton.common.Job;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.service.Ids;
import dev.baton.coordinator.service.LeaseService;
import dev.baton.coordinator.service.ScopeGuard;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker endpoints of docs/protocol.md. They run on virtual threads, so a long-polling claim parks a
 * virtual thread, not a platform thread, and holds no database connection while it waits.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class WorkerController {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerController.class);
    private static final String ACT_ON = "act on jobs of";
    private static final String PREFERENCE_APPLIED = "Preference-Applied";
    private static final String MINIMAL = "return=minimal";
    private final LeaseService leases;

    private final ScopeGuard scope;

    public WorkerController(LeaseService leases, ScopeGuard scope) {
        this.leases = leases;
        this.scope = scope;
    }

    /**
     * A claim, and the completions it carries (a worker's finished jobs riding on its next claim):
     * those are settled first, each as an item of {@link #completions}, and committed before the
     * claim looks for work. A claim refused 4xx is refused before anything is settled; one that
     * cannot look for work once its completions are settled (the database lost meanwhile, the token
     * revoked while it waited) answers no jobs, so the completions' answers are not lost.
     */
    @Post("/claims")
    @Allowed({Role.ADMIN, Role.WORKER})
    public HttpResponse<Responses.Jobs> claim(HttpRequest<?> request, @Nullable @Header("Prefer") String prefer,
                                              @Nullable @Body Requests.Claim body) throws InterruptedException {
        Requests.Claim claim = RequestBodyReader.orEmpty(body, Requests.Claim.class);
        Caller caller = Caller.of(request);
        caller.requireQueues(claim.queues(), "claim from");
        if (claim.completions() == null) {
            return HttpResponse.ok(new Responses.Jobs(leases.claim(claim, Caller.validity(request))));
        }
        leases.checkClaim(claim);
        boolean minimal = prefersMinimal(prefer);
        List<Responses.CompletionResult> settled = settle(request, caller, new Requests.Completions(claim.completions()),
                minimal, "completions");
        List<Job> jobs;
        try {
            jobs = leases.claim(claim, Caller.validity(request));
        } catch (BatonException e) {
            LOG.debug("claim by {} carried {} completion(s), settled; it claims nothing: {}", claim.workerId(),
                    settled.size(), e.getMessage());
            jobs = List.of();
        } catch (InterruptedException e) { // stopping while it waited: the settled answers still go back
            Thread.currentThread().interrupt();
            jobs = List.of();
        }
        MutableHttpResponse<Responses.Jobs> answer = HttpResponse.ok(new Responses.Jobs(jobs, settled));
        return minimal ? answer.header(PREFERENCE_APPLIED, MINIMAL) : answer;
    }

    @Post("/jobs/{id}/heartbeat")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Responses.HeartbeatAnswer heartbeat(HttpRequest<?> request, @PathVariable String id,
                                               @Nullable @Body Requests.Heartbeat body) {
        scope.requireJob(Caller.of(request), id, ACT_ON);
        return leases.heartbeat(id, RequestBodyReader.orEmpty(body, Requests.Heartbeat.class));
    }

    @Post("/jobs/{id}/complete")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Job complete(HttpRequest<?> request, @PathVariable String id, @Nullable @Body Requests.Complete body) {
        scope.requireJob(Caller.of(request), id, ACT_ON);
        return leases.complete(id, RequestBodyReader.orEmpty(body, Requests.Complete.class));
    }

    @Post("/jobs/{id}/fail")
    @Allowed({Role.ADMIN, Role.WORKER})
    public Job fail(HttpRequest<?> request, @PathVariable String id, @Nullable @Body Requests.Fail body) {
        scope.requireJob(Caller.of(request), id, ACT_ON);
        return leases.fail(id, RequestBodyReader.orEmpty(body, Requests.Fail.class));
    }

    /** {@code Prefer: return=minimal} (RFC 7240) leaves the job out of each item that succeeded. */
    @Post("/completions")
    @Allowed({Role.ADMIN, Role.WORKER})
    public HttpResponse<Responses.CompletionResults> completions(HttpRequest<?> request,
                                                                  @Nullable @Header("Prefer") String prefer,
                                                                  @Nullable @Body Requests.Completions body) {
        boolean minimal = prefersMinimal(prefer);
        Requests.Completions completions = RequestBodyReader.orEmpty(body, Requests.Completions.class);
        List<Responses.CompletionResult> results = settle(request, Caller.of(request), completions, minimal, "items");
        MutableHttpResponse<Responses.CompletionResults> answer = HttpResponse.ok(new Responses.CompletionResults(results));
        return minimal ? answer.header(PREFERENCE_APPLIED, MINIMAL) : answer;
    }

    /** Each item judged as its own complete would be; an item whose job is outside the token's scope is 403 alone. */
    private List<Responses.CompletionResult> settle(HttpRequest<?> request, Caller caller,
                                                    Requests.Completions completions, boolean minimal, String field) {
        Set<Long> outOfScope = scope.outOfScope(caller, jobIds(completions));
        List<Responses.CompletionResult> results = leases.completeMany(completions, minimal, outOfScope, field);
        Problems.refusedItems(request, results);
        return results;
    }

    /** The ids of the items that name a job of ours; the service judges the rest. */
    private static List<Long> jobIds(Requests.Completions completions) {
        List<Long> ids = new ArrayList<>();
        if (completions.items() != null) {
            for (Requests.CompletionItem item : completions.items()) {
                try {
                    if (item != null && item.id() != null) {
                        ids.add(Ids.job(item.id()));
                    }
                } catch (BatonException notOurs) {
                    // refused by the service as its own complete would be (404)
                }
            }
        }
        return ids;
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
