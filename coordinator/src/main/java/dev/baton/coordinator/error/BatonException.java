package dev.baton.coordinator.error;

import dev.baton.common.Job;
import dev.baton.common.Responses.FieldError;
import java.util.List;

/** A request Baton refuses, with the code and (for 409s) the job's current state. */
public final class BatonException extends RuntimeException {
    private final ErrorCode code;
    private final transient Job job;
    private final List<FieldError> errors;
    private final List<Integer> seqs;
    private final boolean databaseUnreachable;

    public BatonException(ErrorCode code, String detail) {
        this(code, detail, null, null);
    }

    public BatonException(ErrorCode code, String detail, Job job, List<FieldError> errors) {
        this(code, detail, job, errors, null, false);
    }

    private BatonException(ErrorCode code, String detail, Job job, List<FieldError> errors, List<Integer> seqs,
                           boolean databaseUnreachable) {
        super(detail, null, false, false);
        this.code = code;
        this.job = job;
        this.errors = errors;
        this.seqs = seqs;
        this.databaseUnreachable = databaseUnreachable;
    }

    /**
     * 503 {@code unavailable}: no connection to the database could be had, or the one in use was
     * lost (reset, or silent past the socket timeout). Unlike a database that answered (a
     * deadlock, a statement it gave up), trying again at once on another connection is likely to
     * meet the same, so a caller that would try again should answer this instead.
     */
    public static BatonException databaseUnreachable(String detail) {
        return new BatonException(ErrorCode.UNAVAILABLE, detail, null, null, null, true);
    }

    public boolean databaseUnreachable() {
        return databaseUnreachable;
    }

    /** 409 {@code log_conflict}: these seqs are stored with other content. */
    public static BatonException logConflict(String detail, List<Integer> seqs) {
        return new BatonException(ErrorCode.LOG_CONFLICT, detail, null, null, List.copyOf(seqs), false);
    }

    public static BatonException invalid(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields are invalid";
        return new BatonException(ErrorCode.INVALID_REQUEST, detail, null, List.copyOf(errors));
    }

    public static BatonException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static BatonException conflict(ErrorCode code, String detail, Job current) {
        return new BatonException(code, detail, current, null);
    }

    /**
     * 404 {@code not_found}, said one way for everything: {@code no schedule named 'nightly'}.
     * The key is shown as the client sent it, cut at 40 characters.
     */
    public static BatonException notFound(String what, String key) {
        String shown = key.length() > 40 ? key.substring(0, 40) + "…" : key;
        return new BatonException(ErrorCode.NOT_FOUND, "no " + what + " '" + shown + "'");
    }

    /** No job with this id (as the path spelt it): {@code no job with id '12'}. */
    public static BatonException noJob(String id) {
        return notFound("job with id", id);
    }

    public static BatonException noJob(long id) {
        return noJob(Long.toString(id));
    }

    public ErrorCode code() {
        return code;
    }

    public Job job() {
        return job;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public List<Integer> seqs() {
        return seqs;
    }
}
