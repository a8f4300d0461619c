package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.http.ApiClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Reads {@code GET /jobs} page after page, newest first, until enough jobs passed the filter. */
final class JobPages {
    private static final int PAGE = 500;
    /** Job ids rise as jobs are made: the API lists the highest first. */
    private static final Comparator<JsonNode> NEWEST_FIRST =
            Comparator.comparingLong((JsonNode j) -> Long.parseLong(j.path("id").asText())).reversed();

    private JobPages() {
    }

    /** The jobs read, and whether more matching jobs may remain (the last page had a next cursor). */
    record Result(List<JsonNode> jobs, boolean more) {
    }

    /** Up to {@code limit} matching jobs ({@code all}: every one), of the filter's status if it has one. */
    static Result read(ApiClient api, JobFilter filter, int limit, boolean all) {
        return readStatus(api, filter, filter.status(), limit, all);
    }

    /**
     * Up to {@code limit} matching jobs in any of {@code statuses} (the API takes one status a
     * request: each is read on its own, then the newest of them all are kept).
     */
    static Result read(ApiClient api, JobFilter filter, List<String> statuses, int limit, boolean all) {
        List<JsonNode> found = new ArrayList<>();
        boolean more = false;
        for (String status : statuses) {
            Result r = readStatus(api, filter, status, limit, all);
            found.addAll(r.jobs());
            more |= r.more();
        }
        found.sort(NEWEST_FIRST);
        if (!all && found.size() > limit) {
            return new Result(new ArrayList<>(found.subList(0, limit)), true);
        }
        return new Result(found, more);
    }

    /** As {@link #read(ApiClient, JobFilter, int, boolean)}, of {@code status} (null: any). */
    private static Result readStatus(ApiClient api, JobFilter filter, String status, int limit, boolean all) {
        Map<String, Object> query = filter.query(Instant.now());
        query.put("status", status);
        List<JsonNode> found = new ArrayList<>();
        String cursor = null;
        do {
            int want = all || filter.search != null ? PAGE : Math.min(PAGE, limit - found.size());
            query.put("limit", want);
            query.put("cursor", cursor);
            JsonNode page = api.get(ApiClient.query("/api/v1/jobs", query));
            for (JsonNode job : page.path("items")) {
                if (filter.matches(job)) {
                    if (!all && found.size() == limit) {
                        return new Result(found, true);
                    }
                    found.add(job);
                }
            }
            cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
        } while (cursor != null && (all || found.size() < limit));
        return new Result(found, cursor != null);
    }
}
