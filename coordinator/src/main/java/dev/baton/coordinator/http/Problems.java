package dev.baton.coordinator.http;

import dev.baton.common.Json;
import dev.baton.common.Responses.Problem;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

/** Builds every error answer: application/problem+json, never a stack trace or SQL text. */
public final class Problems {
    public static final String PROBLEM_JSON = "application/problem+json";

    private Problems() {
    }

    public static MutableHttpResponse<String> of(BatonException e) {
        ErrorCode code = e.code();
        Problem p = new Problem("https://baton.dev/problems/" + code.code(), code.title(), code.status(),
                e.getMessage(), code.code(), e.job(), e.errors(), e.seqs());
        MutableHttpResponse<String> response = HttpResponse.<String>status(HttpStatus.valueOf(code.status()))
                .body(Json.write(p))
                .contentType(PROBLEM_JSON);
        if (code == ErrorCode.UNAVAILABLE) {
            response.header("Retry-After", "2");
        }
        return response;
    }

    public static MutableHttpResponse<String> of(ErrorCode code, String detail) {
        return of(new BatonException(code, detail));
    }
}
