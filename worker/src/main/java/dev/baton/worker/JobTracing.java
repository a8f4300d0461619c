package dev.baton.worker;

import dev.baton.common.Job;

/**
 * How a worker traces its handlers. The library works without OpenTelemetry on the class path: a
 * worker built without {@link Worker.Builder#openTelemetry} uses {@link #NONE}, and only
 * {@link OpenTelemetryJobTracing} (loaded when an OpenTelemetry is passed) touches its classes.
 */
interface JobTracing {
    JobTracing NONE = new JobTracing() {
    };

    /** One attempt's handler, run by {@link #handle}. */
    @FunctionalInterface
    interface Handler {
        Object run() throws Exception;
    }

    /** Runs the handler of one attempt of {@code job} (in its span, when tracing). */
    default Object handle(Job job, Handler handler) throws Exception {
        return handler.run();
    }
}
