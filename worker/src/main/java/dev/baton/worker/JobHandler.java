package dev.baton.worker;

/** Runs one job. The return value (any object Jackson can write, or null) becomes the job's result. */
@FunctionalInterface
public interface JobHandler {
    Object handle(JobContext ctx) throws Exception;
}
