package dev.baton.cli;

/**
 * What {@code baton} exits with; cli/README.md lists the same table. Scripts branch on these, so a
 * code once given never changes meaning.
 */
public final class ExitCodes {
    /** Done as asked. */
    public static final int OK = 0;
    /** An error no other code covers (a 500, an answer that is not what the contract says), or a bulk or multi-id action in which some item failed. */
    public static final int FAILED = 1;
    /** The command line is wrong: an unknown flag, a missing argument, no URL or token, a bulk action without {@code --yes}. */
    public static final int USAGE = 2;
    /** 409: a version conflict, a transition the job's status does not allow, a name already taken. */
    public static final int CONFLICT = 3;
    /** 404: no such job, schedule, queue or token. */
    public static final int NOT_FOUND = 4;
    /** 401 or 403: the token is missing, unknown, revoked, expired, or may not do this. */
    public static final int AUTH = 5;
    /** No coordinator answered, or it answered 503: try again later. */
    public static final int UNAVAILABLE = 6;
    /** 400, 413, 415 or 422: the coordinator refused what was sent (a field out of range, too large, …). */
    public static final int REFUSED = 7;
    /** {@code jobs wait}: the job ended {@code failed}. */
    public static final int JOB_FAILED = 10;
    /** {@code jobs wait}: the job ended {@code cancelled}. */
    public static final int JOB_CANCELLED = 11;
    /** {@code jobs wait --timeout}: the job had not finished when the time was up. */
    public static final int WAIT_TIMED_OUT = 12;
    /** Interrupted (Ctrl-C, SIGINT): 128 + 2, as a shell reports a command the signal ended. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /** The exit code for an HTTP status the coordinator refused a request with. */
    public static int forStatus(int status) {
        return switch (status) {
            case 401, 403 -> AUTH;
            case 404 -> NOT_FOUND;
            case 409 -> CONFLICT;
            case 400, 413, 415, 422 -> REFUSED;
            case 502, 503, 504 -> UNAVAILABLE;
            default -> FAILED;
        };
    }
}
