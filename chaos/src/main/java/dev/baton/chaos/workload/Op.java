package dev.baton.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One operation of the history, as its client saw it: what was asked ({@code kind}, {@code jobId},
 * {@code data}), of which coordinator, when (wall clock, ms), and how it ended.
 *
 * @param data kind-specific facts the checker needs (an acknowledged version, the log lines sent,
 *             the result sent, …), never a whole response
 */
public record Op(long seq, String client, String kind, String jobId, int coordinator, long startMs, long endMs,
                 Outcome outcome, int status, String code, JsonNode data) {

    /** How an operation ended, Jepsen's ok / fail / info. */
    public enum Outcome {
        /** 2xx: it took effect (or was answered as a resend of one that did). */
        OK,
        /** A definite refusal (4xx): nothing changed. */
        REFUSED,
        /** 5xx, a cut connection or a timeout: it may or may not have taken effect. */
        UNKNOWN
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }
}
