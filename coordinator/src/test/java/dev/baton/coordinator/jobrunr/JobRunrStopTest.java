package dev.baton.coordinator.jobrunr;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.baton.coordinator.testing.Jobs;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobId;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.InMemoryStorageProvider;
import org.jobrunr.storage.navigation.AmountRequest;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A stop while JobRunr's steward is handing out a job that just came due: the steward's pass is
 * held inside its storage query (a signal, not a sleep) until the stop waits for the steward, then
 * let go. JobRunr's own {@code stop()} has nulled its workers by then and logs a
 * NullPointerException; {@link JobRunrStop} stops the steward first, so the job runs and nothing
 * is logged.
 */
public class JobRunrStopTest { // public: JobRunr calls nothing() by reflection

    /** The job JobRunr runs. */
    public static void nothing() {
    }

    @Test
    void aStopWhileTheStewardHandsOutAJobLogsNoExceptionAndTheJobRuns() throws Exception {
        HeldStorage storage = new HeldStorage();
        storage.setJobMapper(new JobMapper(new JacksonJsonMapper()));
        BackgroundJobServer server = new BackgroundJobServer(storage, new JacksonJsonMapper(), null,
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration().andWorkerCount(2)
                        .andPollInterval(Duration.ofMillis(500)));
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger jobRunr = (Logger) LoggerFactory.getLogger("org.jobrunr");
        logged.start();
        jobRunr.addAppender(logged);
        try {
            server.start();
            storage.hold();
            assertThat(storage.entered.await(60, TimeUnit.SECONDS)).as("the steward's pass reached its query").isTrue();
            JobId id = new JobScheduler(storage).enqueue(() -> JobRunrStopTest.nothing());

            Thread[] stopping = new Thread[1];
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
                stopping[0] = Thread.currentThread();
                JobRunrStop.stop(server);
            });
            assertThat(Jobs.eventually(30_000, () -> waitsForTheSteward(stopping[0])))
                    .as("the stop waits for the steward's pass").isTrue();
            storage.release.countDown();
            stopped.get(60, TimeUnit.SECONDS);

            List<ILoggingEvent> problems = logged.list.stream()
                    .filter(e -> e.getThrowableProxy() != null || e.getFormattedMessage().contains("Exception")).toList();
            assertThat(problems).as("JobRunr logged no exception").isEmpty();
            assertThat(storage.getJobById(id).getState()).as("the job handed out while stopping ran").isEqualTo(StateName.SUCCEEDED);
        } finally {
            storage.release.countDown();
            jobRunr.detachAppender(logged);
            server.stop();
            storage.close();
        }
    }

    /** The stopping thread waits, in the steward's and zookeepers' pool, for their pass in flight to end. */
    private static boolean waitsForTheSteward(Thread t) {
        if (t == null || t.getState() != Thread.State.TIMED_WAITING) {
            return false;
        }
        List<StackTraceElement> frames = Arrays.asList(t.getStackTrace());
        for (int i = 0; i + 1 < frames.size(); i++) {
            StackTraceElement caller = frames.get(i + 1);
            if (frames.get(i).getClassName().endsWith("PlatformThreadPoolJobRunrExecutor")
                    && (caller.getMethodName().equals("stopZooKeepers") || caller.getClassName().equals(JobRunrStop.class.getName()))) {
                return true;
            }
        }
        return false;
    }

    /** Storage whose next query for work, once held, waits until released. */
    static final class HeldStorage extends InMemoryStorageProvider {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean held;

        void hold() {
            held = true;
        }

        @Override
        public List<Job> getJobsToProcess(BackgroundJobServer server, AmountRequest request) {
            if (held) {
                held = false;
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.getJobsToProcess(server, request);
        }
    }
}
