package dev.baton.worker;

/** The job's lease is gone (expired, cancelled, finished elsewhere): stop; the outcome is not ours. */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(String jobId) {
        super("lease lost for job " + jobId);
    }
}
