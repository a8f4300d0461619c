package dev.baton.cli.output;

import com.fasterxml.jackson.databind.JsonNode;

/** A job in one line, for error messages and per-item results. */
public final class JobSummary {
    private JobSummary() {
    }

    public static String line(JsonNode job, Times times) {
        StringBuilder sb = new StringBuilder("job ").append(job.path("id").asText())
                .append(' ').append(job.path("status").asText())
                .append(", version ").append(job.path("version").asText())
                .append(", attempt ").append(job.path("attempt").asText()).append('/').append(job.path("maxAttempts").asText())
                .append(", updated ").append(times.format(job.path("updatedAt").asText(null)));
        JsonNode lease = job.path("lease");
        if (lease.isObject()) {
            sb.append(", held by ").append(lease.path("workerId").asText());
        }
        return sb.toString();
    }
}
