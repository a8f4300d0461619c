package dev.baton.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;

/**
 * A refusal from the coordinator: its HTTP status and the problem+json it sent ({@code code},
 * {@code detail}, and on a 409 about a job the job as it is now).
 */
public final class ApiError extends CliException {
    private final int status;
    private final JsonNode problem;

    public ApiError(String request, int status, JsonNode problem) {
        super(ExitCodes.forStatus(status), request + ": " + status + " " + summary(problem));
        this.status = status;
        this.problem = problem == null ? MissingNode.getInstance() : problem;
    }

    private static String summary(JsonNode p) {
        if (p == null || !p.isObject()) {
            return "(no problem+json in the answer)";
        }
        String code = p.path("code").asText("");
        String detail = p.path("detail").asText(p.path("title").asText(""));
        return code.isEmpty() ? detail : code + ": " + detail;
    }

    public int status() {
        return status;
    }

    public String code() {
        return problem.path("code").asText(null);
    }

    public String detail() {
        return problem.path("detail").asText(null);
    }

    /** The problem+json as sent. */
    public JsonNode problem() {
        return problem;
    }

    /** The job's current state, on a 409 about a job; else missing. */
    public JsonNode job() {
        return problem.path("job");
    }
}
