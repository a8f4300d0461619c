package dev.baton.worker;

/** Thrown by a handler for a failure that retrying cannot fix: the job fails without further attempts. */
public class NonRetryableException extends Exception {
    public NonRetryableException(String message) {
        super(message);
    }
}
