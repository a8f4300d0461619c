package dev.baton.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Running jobs held by the bench itself, through the HTTP API or through SQL. */
final class Leases {
    private Leases() {
    }

    /** Enqueues {@code n} jobs of type {@code bench.hold} in {@code queue} and claims them all with a long lease. */
    static List<Sql.Lease> viaHttp(Api producer, Api worker, String queue, int n) {
        for (int left = n; left > 0; left -= 1000) {
            List<Map<String, Object>> jobs = new ArrayList<>();
            for (int i = 0; i < Math.min(left, 1000); i++) {
                jobs.add(Map.of("queue", queue, "type", "bench.hold"));
            }
            producer.post("/api/v1/jobs/batch", Map.of("jobs", jobs));
        }
        List<Sql.Lease> out = new ArrayList<>();
        while (out.size() < n) {
            Map<String, Object> claim = new LinkedHashMap<>();
            claim.put("workerId", "bench");
            claim.put("queues", List.of(queue));
            claim.put("limit", Math.min(100, n - out.size()));
            claim.put("waitMs", 1000);
            claim.put("leaseMs", 3_600_000);
            for (JsonNode j : worker.post("/api/v1/claims", claim).get("jobs")) {
                out.add(new Sql.Lease(Long.parseLong(j.get("id").asText()), j.get("leaseToken").asText(),
                        j.get("version").asLong()));
            }
        }
        return out;
    }

    /** The same with Baton's statements over JDBC. */
    static List<Sql.Lease> viaSql(Connection c, String queue, int n) throws Exception {
        Sql.enqueue(c, queue, n);
        List<Sql.Lease> out = new ArrayList<>();
        while (out.size() < n) {
            out.addAll(Sql.claim(c, queue, "raw", Math.min(100, n - out.size()), 3_600_000));
        }
        return out;
    }
}
