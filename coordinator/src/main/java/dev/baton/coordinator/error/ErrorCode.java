package dev.baton.coordinator.error;

/** The machine-readable codes of docs/protocol.md, each with its HTTP status. */
public enum ErrorCode {
    INVALID_REQUEST(400, "invalid_request", "Invalid request"),
    UNAUTHENTICATED(401, "unauthenticated", "Unauthenticated"),
    FORBIDDEN(403, "forbidden", "Forbidden"),
    NOT_FOUND(404, "not_found", "Not found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "Method not allowed"),
    VERSION_CONFLICT(409, "version_conflict", "Version conflict"),
    LEASE_LOST(409, "lease_lost", "Lease lost"),
    INVALID_TRANSITION(409, "invalid_transition", "Invalid transition"),
    LOG_CONFLICT(409, "log_conflict", "Log line conflict"),
    ALREADY_EXISTS(409, "already_exists", "Already exists"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", "Unsupported media type"),
    NOT_ACCEPTABLE(406, "not_acceptable", "Not acceptable"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency_key_reused", "Idempotency key reused"),
    INTERNAL(500, "internal", "Internal error"),
    UNAVAILABLE(503, "unavailable", "Unavailable");

    private final int status;
    private final String code;
    private final String title;

    ErrorCode(int status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    /**
     * The code Baton reports for a status some framework layer chose. A status without a code of
     * its own falls back to 400 or 500, and the answer then carries that status: a problem's
     * {@code status} is always the HTTP status.
     */
    public static ErrorCode forStatus(int status) {
        for (ErrorCode c : values()) {
            if (c.status == status && c != VERSION_CONFLICT && c != LEASE_LOST && c != ALREADY_EXISTS
                    && c != IDEMPOTENCY_KEY_REUSED) {
                return c;
            }
        }
        return status >= 500 ? INTERNAL : INVALID_REQUEST;
    }
}
