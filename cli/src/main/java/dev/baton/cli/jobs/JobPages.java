package dev.baton.cli.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.http.ApiClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads {@code GET /jobs} page after page, newest first, until enough jobs passed the filter. */
final class JobPages {
    private static final int PAGE = 500;

    private JobPages() {
    }

    /** The jobs read, and whether more matching jobs may remain (the last page had a next cursor). */
    record Result(List<JsonNode> jobs, boolean more) {
    }

    /** Up to {@code limit} matching jobs ({@code all}: every one). */
    static Result read(ApiClient api, JobFilter filter, int limit, boolean all) {
        Map<String, Object> query = filter.query(Instant.now());
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
