package dev.baton.coordinator.service;

import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.JobQueries;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Queue scopes on calls that name a job: a caller scoped to queues may act only on jobs of those
 * queues. A job's queue never changes after it is enqueued, so it is read on its own, before the
 * call's own statement, and only for a scoped caller: an unscoped one (every environment token)
 * pays nothing. A job that does not exist passes, and the call then answers 404 as it would.
 */
@Singleton
public final class ScopeGuard {
    private final Db db;
    private final JobQueries queries;

    public ScopeGuard(Db db, JobQueries queries) {
        this.db = db;
        this.queries = queries;
    }

    /** 403 {@code forbidden} when {@code caller} is scoped and the job {@code id} is in another queue. */
    public void requireJob(Caller caller, String id, String doing) {
        if (!caller.scoped()) {
            return;
        }
        long jobId = Ids.job(id);
        String queue = db.run(c -> queries.queueOf(c, jobId));
        if (queue != null && !caller.allows(queue)) {
            throw caller.outOfScope(queue, doing);
        }
    }

    /** Those of {@code jobIds} whose job is in a queue outside {@code caller}'s scope (none for an unscoped one). */
    public Set<Long> outOfScope(Caller caller, Collection<Long> jobIds) {
        if (!caller.scoped() || jobIds.isEmpty()) {
            return Set.of();
        }
        Map<Long, String> queues = db.run(c -> queries.queuesOf(c, jobIds));
        Set<Long> refused = new HashSet<>();
        queues.forEach((id, queue) -> {
            if (!caller.allows(queue)) {
                refused.add(id);
            }
        });
        return refused;
    }
}
